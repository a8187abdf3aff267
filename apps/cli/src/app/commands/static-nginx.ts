import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { staticNginxConfig, staticRegistryContent } from '@refity/registry-core';
import { Command } from 'commander';
import { Runner } from '../command-kit';
import { CliError } from '../io';

export function registerStaticNginxCommand(program: Command, run: Runner): void {
  program
    .command('static-nginx-config')
    .description('print an nginx config (http {} context) serving the storage folder read-only as a pull-only registry')
    .option('--root <dir>', 'the folder holding registry/ as nginx sees it (default: the local storage folder; required with SFTP: the FTP_ROOT folder on the server\'s disk)')
    .option('--listen <address>', 'nginx listen value', '8081')
    .option('--server-name <name>', 'nginx server_name', '_')
    .option('--output <file>', 'write to this file instead of standard output')
    .action(
      run(async ({ ctx, io, json, print }, flags: { root?: string; listen: string; serverName: string; output?: string }) => {
        let root = flags.root;
        if (!root) {
          if (ctx.config.sftp) throw new CliError('images are on SFTP: give --root, the folder FTP_ROOT points to as the nginx host sees it', 2);
          root = ctx.config.localStorageDir;
        }
        if (!isAbsolute(root)) root = resolve(io.cwd, root);
        if (/[\s;{}"']/.test(root)) throw new CliError(`--root ${root}: whitespace, quotes and ; { } are not supported in the path`, 2);
        if (!/^[\w.:[\]-]+$/.test(flags.listen)) throw new CliError(`--listen ${flags.listen}: a port or address:port`, 2);
        if (!/^[\w.*-]+$/.test(flags.serverName)) throw new CliError(`--server-name ${flags.serverName}: a host name`, 2);
        const content = await staticRegistryContent(await ctx.metadata());
        const config = staticNginxConfig(content, { root, listen: flags.listen, serverName: flags.serverName, generatedAt: new Date() });
        if (flags.output) {
          const file = resolve(io.cwd, flags.output);
          await writeFile(file, config);
          print({ file, root, manifests: content.manifests.length, repositories: content.tags.size }, `wrote ${file} (${content.manifests.length} manifest references)`);
        } else if (json) {
          print({ root, manifests: content.manifests.length, repositories: content.tags.size, config });
        } else {
          io.stdout.write(config);
        }
      }),
    );
}
