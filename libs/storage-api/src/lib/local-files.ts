import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

async function syncToDisk(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await fs.open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a closed local file's data to disk, before it is renamed into place or reported as
 * stored (local driver, upload queue, read cache).
 */
export function fsyncFile(path: string): Promise<void> {
  return syncToDisk(path, 'r+');
}

/**
 * Flushes a folder's entries to disk. A file's fsync covers its data, not its name: a file created
 * in a folder or renamed into it survives a power cut only once the folder is synced too.
 */
export function fsyncFolder(path: string): Promise<void> {
  return syncToDisk(path, 'r');
}

/** Renames a file into place and syncs the folder it lands in, so the new name survives a power cut. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await fs.rename(from, to);
  await fsyncFolder(dirname(to));
}

/** `mkdir -p` whose new folders survive a power cut too (each new folder's name lives in its parent). */
export async function makeFolderDurably(path: string): Promise<void> {
  const first = await fs.mkdir(path, { recursive: true });
  if (first === undefined) return;
  for (let folder = path; folder !== dirname(first); folder = dirname(folder)) await fsyncFolder(dirname(folder));
}
