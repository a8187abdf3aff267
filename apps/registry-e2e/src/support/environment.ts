/**
 * Jest environment for the e2e project: plain node, plus when a test or hook fails it prints what
 * each registered process log (registry, dockerd; see logs.ts) gained while it ran, or the last
 * lines if nothing was written meanwhile.
 */
import { TestEnvironment } from 'jest-environment-node';
import { LogSource, logSize, tailFile } from './logs';

// The few circus event fields used here (the full types live in @jest/types, not a direct dependency).
interface CircusEvent {
  name: string;
  test?: { name: string; errors: unknown[] };
  hook?: { type: string };
}

export default class RegistryE2eEnvironment extends TestEnvironment {
  private offsets = new Map<string, number>();

  private sources(): LogSource[] {
    return ((this.global as unknown as Record<string, LogSource[] | undefined>)['__refityE2eLogs'] ?? []).slice();
  }

  private mark(): void {
    this.offsets.clear();
    for (const s of this.sources()) this.offsets.set(s.path, logSize(s.path));
  }

  private dump(what: string): void {
    const out: string[] = [];
    for (const s of this.sources()) {
      const from = this.offsets.get(s.path) ?? 0;
      let text = logSize(s.path) > from ? tailFile(s.path, 80, from) : '';
      let note = 'written during the failure';
      if (!text.trim()) {
        text = tailFile(s.path, 20);
        note = 'nothing new during the failure; last lines';
      }
      out.push(`----- ${s.label} (${s.path}) — ${note} -----\n${text || '(empty)'}`);
    }
    if (out.length) process.stderr.write(`\n===== ${what} failed: process logs =====\n${out.join('\n')}\n===== end of logs =====\n`);
  }

  handleTestEvent(event: CircusEvent): void {
    switch (event.name) {
      case 'test_start':
      case 'hook_start':
        this.mark();
        break;
      case 'test_done':
        if (event.test && event.test.errors.length > 0) this.dump(`test "${event.test.name}"`);
        break;
      case 'hook_failure':
        this.dump(`${event.hook?.type ?? 'hook'} hook`);
        break;
    }
  }
}
