import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsyncFile, fsyncFolder, makeFolderDurably, renameDurably } from './local-files';

describe('local files', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'refity-local-files-'));
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  it('makes every missing folder of a path, and accepts one that exists', async () => {
    const deep = join(root, 'registry', 'team', 'app', 'blobs');
    await makeFolderDurably(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await makeFolderDurably(deep);
    await makeFolderDurably(join(deep, 'more'));
    expect((await stat(join(deep, 'more'))).isDirectory()).toBe(true);
  });

  it('renames a file into another existing folder, and fails when the target folder is missing', async () => {
    await writeFile(join(root, 'from'), 'bytes');
    await mkdir(join(root, 'into'));
    await renameDurably(join(root, 'from'), join(root, 'into', 'to'));
    expect(await readFile(join(root, 'into', 'to'), 'utf8')).toBe('bytes');
    await expect(stat(join(root, 'from'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(renameDurably(join(root, 'into', 'to'), join(root, 'missing', 'to'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('syncs folders and files that exist, and says so when they do not', async () => {
    await writeFile(join(root, 'file'), 'bytes');
    await fsyncFile(join(root, 'file'));
    await fsyncFolder(root);
    await expect(fsyncFolder(join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(makeFolderDurably(join(root, 'file', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
