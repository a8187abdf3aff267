import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GroupEntity, ManifestEntity, RepositoryBlobEntity, RepositoryEntity, TagEntity } from '@refity/metadata';
import { storageLayout } from '@refity/registry-core';
import { isStorageError, StorageDriver } from '@refity/storage-api';
import { Command } from 'commander';
import { Runner } from '../command-kit';
import { CliContext } from '../context';
import { CliError, formatBytes } from '../io';

const FORMAT = 'refity-backup/1';
const DATABASE_FILE = 'refity.sqlite';
const MANIFEST_FILE = 'backup.json';
const PATHS_FILE = 'storage-paths.tsv';

interface BackupManifest {
  format: string;
  createdAt: string;
  database: { file: string; bytes: number };
  counts: { groups: number; repositories: number; manifests: number; tags: number; blobs: number };
  storage: { driver: string; location: string; listFile: string; files: number; bytes: number };
}

interface StorageFile {
  path: string;
  size: number;
}

/** Every file under `registry/` (depth first, sorted), except in-flight temporary files. */
async function listStorage(storage: StorageDriver, onFolder?: (path: string) => void): Promise<StorageFile[]> {
  const files: StorageFile[] = [];
  const walk = async (folder: string): Promise<void> => {
    onFolder?.(folder);
    let entries: string[];
    try {
      entries = await storage.list(folder);
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.startsWith('.tmp-')) continue;
      const path = `${folder}/${entry}`;
      const info = await storage.stat(path);
      if (info.isDirectory) await walk(path);
      else files.push({ path, size: info.size });
    }
  };
  await walk(storageLayout.root);
  return files;
}

function sqlitePathOf(ctx: CliContext, what: string): string {
  const settings = ctx.database;
  if (settings.type !== 'sqlite') {
    throw new CliError(`DATABASE_URL is PostgreSQL: ${what} it with pg_dump / pg_restore; this command handles the embedded SQLite database`, 2);
  }
  return resolve(ctx.io.cwd, settings.path);
}

function storageLocation(ctx: CliContext): string {
  const sftp = ctx.config.sftp;
  return sftp ? `sftp://${sftp.username}@${sftp.host}:${sftp.port}/${sftp.root.replace(/^\/+/, '')}` : ctx.config.localStorageDir;
}

export function registerBackupCommands(program: Command, run: Runner): void {
  program
    .command('backup')
    .description(`online backup: a consistent copy of the SQLite database (VACUUM INTO) plus ${PATHS_FILE}, every storage path with its size`)
    .argument('<dir>', 'folder to write (created if missing)')
    .option('--force', `replace an earlier backup in <dir>`)
    .action(
      run(async ({ ctx, io, print }, dirArgument: string, flags: { force?: boolean }) => {
        sqlitePathOf(ctx, 'back up');
        const dir = resolve(io.cwd, dirArgument);
        await mkdir(dir, { recursive: true });
        const databaseCopy = join(dir, DATABASE_FILE);
        if (existsSync(databaseCopy)) {
          if (!flags.force) throw new CliError(`${databaseCopy} exists: choose an empty folder, or pass --force to replace that backup`);
          await rm(databaseCopy);
        }
        const metadata = await ctx.metadata();
        // A transactionally consistent snapshot while the apps keep writing (WAL readers do not block).
        await metadata.dataSource.query('VACUUM INTO ?', [databaseCopy]);
        const count = (entity: Parameters<typeof metadata.dataSource.getRepository>[0]) => metadata.dataSource.getRepository(entity).count();
        const counts = {
          groups: await count(GroupEntity),
          repositories: await count(RepositoryEntity),
          manifests: await count(ManifestEntity),
          tags: await count(TagEntity),
          blobs: await count(RepositoryBlobEntity),
        };
        const storage = await ctx.storage();
        let folders = 0;
        const files = await listStorage(storage, () => {
          if (++folders % 100 === 0) io.stderr.write(`backup: listed ${folders} folders\n`);
        });
        await writeFile(join(dir, PATHS_FILE), files.map((file) => `${file.size}\t${file.path}\n`).join(''));
        const manifest: BackupManifest = {
          format: FORMAT,
          createdAt: new Date().toISOString(),
          database: { file: DATABASE_FILE, bytes: (await stat(databaseCopy)).size },
          counts,
          storage: { driver: storage.name, location: storageLocation(ctx), listFile: PATHS_FILE, files: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0) },
        };
        await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
        print({ dir, ...manifest }, [
          `backup written to ${dir}`,
          `  database  ${DATABASE_FILE} (${formatBytes(manifest.database.bytes)}): ${counts.groups} groups, ${counts.repositories} repositories, ${counts.manifests} manifests, ${counts.tags} tags`,
          `  storage   ${PATHS_FILE}: ${files.length} files, ${formatBytes(manifest.storage.bytes)} on ${manifest.storage.location}`,
          'the image files themselves stay on storage: back that up with the storage (e.g. Storage Box snapshots)',
        ].join('\n'));
      }),
    );

  program
    .command('restore')
    .description('put a backup\'s database in place (stop the apps first), then compare its storage list with storage')
    .argument('<dir>', 'a folder written by `refity backup`')
    .option('--force', 'replace an existing database (it is kept beside it as .before-restore-<time>)')
    .action(
      run(async ({ ctx, io, print }, dirArgument: string, flags: { force?: boolean }) => {
        const target = sqlitePathOf(ctx, 'restore');
        const dir = resolve(io.cwd, dirArgument);
        let manifest: BackupManifest;
        try {
          manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as BackupManifest;
        } catch (error) {
          throw new CliError(`${join(dir, MANIFEST_FILE)}: not a Refity backup (${(error as Error).message})`, 2);
        }
        if (manifest.format !== FORMAT) throw new CliError(`${join(dir, MANIFEST_FILE)}: unknown format ${manifest.format} (expected ${FORMAT})`, 2);
        const source = join(dir, manifest.database.file);
        if (!existsSync(source)) throw new CliError(`${source} is missing`, 2);

        let previous: string | null = null;
        if (existsSync(target)) {
          if (!flags.force) {
            throw new CliError(
              `refusing to overwrite the live database ${target}: stop the registry and the admin API, then run again with --force ` +
                '(the current database is kept beside it)',
            );
          }
          previous = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          await rename(target, previous);
          // Its write-ahead log belongs to it, never to the restored file.
          for (const suffix of ['-wal', '-shm']) if (existsSync(target + suffix)) await rename(target + suffix, previous + suffix);
        }
        await mkdir(resolve(target, '..'), { recursive: true });
        await copyFile(source, `${target}.restoring`);
        await rename(`${target}.restoring`, target);

        // Opening applies the migrations a newer Refity added since the backup.
        await ctx.metadata();
        const listed = (await readFile(join(dir, manifest.storage.listFile ?? PATHS_FILE), 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [size, ...path] = line.split('\t');
            return { path: path.join('\t'), size: Number(size) };
          });
        const onStorage = new Map((await listStorage(await ctx.storage())).map((file) => [file.path, file.size]));
        const missing = listed.filter((file) => !onStorage.has(file.path)).map((file) => file.path);
        const changed = listed.filter((file) => onStorage.has(file.path) && onStorage.get(file.path) !== file.size).map((file) => file.path);
        const listedPaths = new Set(listed.map((file) => file.path));
        const extra = [...onStorage.keys()].filter((path) => !listedPaths.has(path)).length;
        const report = { restoredFrom: dir, backupCreatedAt: manifest.createdAt, database: target, previous, storage: { listed: listed.length, missing, changed, extra } };
        print(report, [
          `restored ${target} from the backup of ${manifest.createdAt}${previous ? ` (the previous database is ${previous})` : ''}`,
          `storage: ${listed.length} files listed in the backup, ${missing.length} missing, ${changed.length} changed in size, ${extra} newer files not in the backup`,
          ...missing.slice(0, 20).map((path) => `  missing  ${path}`),
          ...changed.slice(0, 20).map((path) => `  changed  ${path}`),
          missing.length || changed.length
            ? 'run `refity verify` to see which images are affected'
            : extra
              ? 'storage holds pushes newer than the backup: `refity reindex` adds them to the database'
              : 'storage matches the backup',
        ].join('\n'));
      }),
    );
}
