import { randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { join, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  AbortedError,
  AlreadyExistsError,
  ByteRange,
  FileInfo,
  fsyncFile,
  fsyncFolder,
  isStorageError,
  isTemporaryName,
  makeFolderDurably,
  NotFoundError,
  renameDurably,
  splitStoragePath,
  StorageDriver,
  StorageError,
  StorageWriter,
  temporaryNameFor,
  WriteOptions,
} from '@refity/storage-api';

/** Translates a Node fs error into the contract's typed errors. */
function translate(error: unknown, path: string): StorageError {
  if (isStorageError(error)) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new NotFoundError(path, { cause: error });
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new AlreadyExistsError(path, { cause: error });
    default:
      return new StorageError('Internal', path, `local storage failed (${code ?? 'unknown'}) for ${path}`, { cause: error });
  }
}

/**
 * The storage contract on a local folder. Writes go to a temporary sibling, are fsynced and
 * renamed into place, so a crash never leaves a partial file under its final name.
 */
export class LocalStorageDriver implements StorageDriver {
  readonly name = 'local';

  constructor(private readonly root: string) {}

  private resolve(path: string): string {
    return join(this.root, ...splitStoragePath(path));
  }

  async stat(path: string): Promise<FileInfo> {
    const full = this.resolve(path);
    try {
      const info = await fs.stat(full);
      return { path, size: info.size, modifiedAt: info.mtime, isDirectory: info.isDirectory() };
    } catch (error) {
      throw translate(error, path);
    }
  }

  async exists(path: string): Promise<boolean> {
    const full = this.resolve(path);
    try {
      await fs.access(full);
      return true;
    } catch {
      return false;
    }
  }

  async createReadStream(path: string, range?: ByteRange): Promise<Readable> {
    const full = this.resolve(path);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(full, 'r');
    } catch (error) {
      throw translate(error, path);
    }
    // The handle closes itself when the stream ends or is destroyed.
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 1024 * 1024 });
  }

  async createWriter(path: string, options: WriteOptions = {}): Promise<StorageWriter> {
    const full = this.resolve(path);
    const temporary = join(dirname(full), temporaryNameFor(splitStoragePath(path).pop() as string, randomUUID()));
    try {
      await makeFolderDurably(dirname(full));
    } catch (error) {
      throw translate(error, path);
    }
    const stream = createWriteStream(temporary, { flags: 'wx', highWaterMark: 1024 * 1024 });
    let state: 'open' | 'committed' | 'aborted' = 'open';

    const removeTemporary = async () => {
      if (!stream.closed) await new Promise<void>((resolve) => stream.once('close', () => resolve()));
      await fs.rm(temporary, { force: true }).catch(() => undefined);
    };

    return {
      stream,
      commit: async () => {
        if (state === 'aborted') throw new AbortedError(path);
        if (state === 'committed') return;
        try {
          if (!stream.writableEnded) stream.end();
          await finished(stream);
          await fsyncFile(temporary);
          if (options.exclusive) {
            // link() fails when the target exists, which rename() would silently replace.
            await fs.link(temporary, full);
            await fs.rm(temporary);
            await fsyncFolder(dirname(full));
          } else {
            await renameDurably(temporary, full);
          }
          state = 'committed';
        } catch (error) {
          state = 'aborted';
          await removeTemporary();
          throw translate(error, path);
        }
      },
      abort: async () => {
        if (state !== 'open') return;
        state = 'aborted';
        stream.destroy();
        await removeTemporary();
      },
    };
  }

  async adoptLocalFile(path: string, localFile: string): Promise<boolean> {
    const full = this.resolve(path);
    try {
      await makeFolderDurably(dirname(full));
      await renameDurably(localFile, full);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
      throw translate(error, path);
    }
  }

  async writeFile(path: string, data: Buffer, options?: WriteOptions): Promise<void> {
    const writer = await this.createWriter(path, options);
    writer.stream.end(data);
    await writer.commit();
  }

  async readFile(path: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.resolve(path));
    } catch (error) {
      throw translate(error, path);
    }
  }

  async list(path: string): Promise<string[]> {
    try {
      const names = await fs.readdir(this.resolve(path));
      return names.filter((name) => !isTemporaryName(name)).sort();
    } catch (error) {
      throw translate(error, path);
    }
  }

  async removeStaleTemporaries(folder: string, olderThan: Date, options: { dryRun?: boolean } = {}): Promise<string[]> {
    const full = this.resolve(folder);
    const removed: string[] = [];
    try {
      for (const name of (await fs.readdir(full)).filter(isTemporaryName).sort()) {
        const info = await fs.lstat(join(full, name)).catch(() => undefined);
        if (!info?.isFile() || info.mtime >= olderThan) continue;
        if (!options.dryRun) await fs.rm(join(full, name), { force: true });
        removed.push(`${folder}/${name}`);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return removed;
      throw translate(error, folder);
    }
    return removed;
  }

  async delete(path: string): Promise<void> {
    try {
      await fs.unlink(this.resolve(path));
    } catch (error) {
      throw translate(error, path);
    }
  }

  async deleteFolder(path: string): Promise<void> {
    const full = this.resolve(path);
    try {
      const info = await fs.stat(full);
      if (!info.isDirectory()) throw new NotFoundError(path);
      await fs.rm(full, { recursive: true });
    } catch (error) {
      throw translate(error, path);
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.resolve(from);
    const target = this.resolve(to);
    try {
      await fs.access(source);
      await makeFolderDurably(dirname(target));
      await renameDurably(source, target);
    } catch (error) {
      throw translate(error, from);
    }
  }

  async linkOrCopy(from: string, to: string): Promise<void> {
    const source = this.resolve(from);
    const target = this.resolve(to);
    const temporary = join(dirname(target), `.tmp-${randomUUID()}-link`);
    try {
      await fs.access(source);
      await makeFolderDurably(dirname(target));
      try {
        await fs.link(source, temporary);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV' && (error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
        await fs.copyFile(source, temporary);
        await fsyncFile(temporary);
      }
      await renameDurably(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      throw translate(error, from);
    }
  }

  async ping(): Promise<void> {
    try {
      await fs.mkdir(this.root, { recursive: true });
      await fs.access(this.root);
    } catch (error) {
      throw translate(error, '.');
    }
  }

  async close(): Promise<void> {
    // Nothing to release: every operation opens and closes its own handles.
  }
}
