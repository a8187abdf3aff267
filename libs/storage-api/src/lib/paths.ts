import { InvalidPathError } from './errors';

const SEGMENT = /^[A-Za-z0-9._@:+=-]+$/;

/**
 * Validates a driver path: slash-separated, relative to the driver root, no empty,
 * `.` or `..` segments, a conservative character set. Returns the segments.
 */
export function splitStoragePath(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidPathError(String(path), 'empty');
  if (path.startsWith('/') || path.endsWith('/')) throw new InvalidPathError(path, 'leading or trailing slash');
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidPathError(path, `segment "${segment}" not allowed`);
    }
    if (!SEGMENT.test(segment)) throw new InvalidPathError(path, `segment "${segment}" has unsupported characters`);
  }
  return segments;
}

export function parentOf(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? undefined : path.slice(0, slash);
}

/** A unique sibling name used while a write is in flight; never a valid digest or tag name. */
export function temporaryNameFor(path: string, unique: string): string {
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '' : path.slice(0, slash + 1);
  return `${dir}.tmp-${unique}-${path.slice(slash + 1)}`;
}

export function isTemporaryName(name: string): boolean {
  return name.startsWith('.tmp-');
}
