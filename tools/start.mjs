#!/usr/bin/env node
// Starts the built registry and admin API (which serves the console) side by side, sharing
// DATA_DIR; stops both when either exits or on Ctrl-C. Used by `npm start`.
import { spawn } from 'node:child_process';

const apps = ['registry', 'admin-api'];
const children = apps.map((app) =>
  spawn(process.execPath, [`dist/apps/${app}/main.js`], { stdio: 'inherit', env: process.env }),
);

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}

for (const [index, child] of children.entries()) {
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${apps[index]} exited (${signal ?? code}); stopping the others`);
    stopAll(code ?? 1);
  });
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
