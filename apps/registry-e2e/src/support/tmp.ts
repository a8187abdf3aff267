import { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The Nx workspace root (the folder holding nx.json above this file). */
export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`nx.json not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** E2E_KEEP_TMP=1 keeps every temp folder (registry data, client storage, logs) for a post-mortem. */
export const keepTemp = process.env['E2E_KEEP_TMP'] === '1';

/** A fresh folder under $TMPDIR/refity-e2e/. */
export async function tempDir(prefix: string): Promise<string> {
  const base = join(process.env['E2E_TMPDIR'] || tmpdir(), 'refity-e2e');
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, `${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (!dir || keepTemp) return;
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    process.stderr.write(`registry-e2e: could not remove ${dir}: ${(e as Error).message}\n`);
  }
}

const children = new Set<ChildProcess>();
let exitHook = false;

/**
 * Remembers a long-running child (registry, dockerd) until it exits, so that it is killed if the
 * test process exits without stopping it (a crashed or interrupted run).
 */
export function track(child: ChildProcess): void {
  children.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  child.once('exit', () => children.delete(child));
}
