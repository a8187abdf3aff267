/**
 * Log files of the processes a test started (registry, dockerd). The harness registers them here;
 * the test environment (environment.ts) prints what they logged during a failing test or hook.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface LogSource {
  label: string;
  path: string;
}

const KEY = '__refityE2eLogs';

function sources(): LogSource[] {
  const g = globalThis as unknown as Record<string, LogSource[] | undefined>;
  return (g[KEY] ??= []);
}

export function registerLog(label: string, path: string): void {
  if (!sources().some((s) => s.path === path)) sources().push({ label, path });
}

export function unregisterLog(path: string): void {
  const list = sources();
  const i = list.findIndex((s) => s.path === path);
  if (i >= 0) list.splice(i, 1);
}

export function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The last `lines` lines of the file from byte `from` on (at most 256 KiB are read). */
export function tailFile(path: string, lines = 60, from = 0): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return `(cannot read ${path}: ${(e as Error).message})`;
  }
  try {
    const size = statSync(path).size;
    const start = Math.max(from, size - 256 * 1024);
    const buf = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buf, 0, buf.length, start);
    const all = buf.toString('utf8').split('\n');
    if (all[all.length - 1] === '') all.pop();
    return all.slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}
