import { promises as fs } from 'node:fs';

/**
 * Flushes a closed local file's data to disk, before it is renamed into place or reported as
 * stored (local driver, upload queue, read cache).
 */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await fs.open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
