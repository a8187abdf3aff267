#!/usr/bin/env node
// Runs a TypeScript benchmark of this folder as plain JavaScript:
//   node tools/bench/run.cjs sftp-throughput [arguments...]
// tsc (a separate process) compiles it and the workspace libs it imports into tmp/bench; the
// @refity/* paths of tsconfig.base.json are then mapped onto the compiled files. Unlike ts-node,
// no TypeScript compiler stays in the process, so the memory it reports is the code's own.
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const tsconfigPaths = require('tsconfig-paths');

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error('usage: node tools/bench/run.cjs <benchmark> [arguments...]');
  process.exit(2);
}
const workspace = join(__dirname, '..', '..');
const outDir = join(workspace, 'tmp', 'bench');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.json')], { stdio: 'inherit' });

const { paths } = JSON.parse(readFileSync(join(workspace, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const compiledPaths = Object.fromEntries(Object.entries(paths).map(([alias, targets]) => [alias, targets.map((t) => t.replace(/\.ts$/, '.js'))]));
tsconfigPaths.register({ baseUrl: outDir, paths: compiledPaths });
process.argv = [process.argv[0], join(outDir, 'tools', 'bench', `${name}.js`), ...args];
require(process.argv[1]);
