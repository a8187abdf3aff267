import { isStorageError } from './errors';
import { isTemporaryName, parentOf, splitStoragePath, temporaryNameFor } from './paths';

describe('storage paths', () => {
  it('splits valid relative paths, dotted names and digests included', () => {
    expect(splitStoragePath('registry/team/app/manifests/1.0.0-rc.1')).toEqual(['registry', 'team', 'app', 'manifests', '1.0.0-rc.1']);
    expect(splitStoragePath(`blobs/sha256:${'a'.repeat(64)}`)).toHaveLength(2);
  });

  it.each(['', '/abs', 'trailing/', 'a//b', 'a/./b', 'a/../b', '..', 'spa ce', 'new\nline'])('rejects %j as InvalidPath', (path) => {
    let caught: unknown;
    try {
      splitStoragePath(path);
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'InvalidPath')).toBe(true);
  });

  it('names temporaries as hidden siblings that listings can skip', () => {
    const temporary = temporaryNameFor('registry/team/app/blobs/sha256:ab', 'u1');
    expect(temporary).toBe('registry/team/app/blobs/.tmp-u1-sha256:ab');
    expect(isTemporaryName('.tmp-u1-sha256:ab')).toBe(true);
    expect(isTemporaryName('sha256:ab')).toBe(false);
    expect(parentOf('a/b/c')).toBe('a/b');
    expect(parentOf('a')).toBeUndefined();
  });
});
