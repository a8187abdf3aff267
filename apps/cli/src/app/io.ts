import type { Readable } from 'node:stream';

/** Where a command reads and writes; the real process streams, or buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  /** The working directory relative paths are resolved against. */
  cwd: string;
}

/** A refusal or failure the user caused or must act on: printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Left-aligned columns for human output. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n');
}

/**
 * Progress on stderr: on a terminal one line redrawn in place (at most ~10 times a second), else
 * a plain line whenever the shown percentage passes another tenth, so logs stay short.
 */
export class Progress {
  private lastDraw = 0;
  private lastDecile = -1;
  private drawn = false;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
  ) {}

  update(done: number, total: number, detail = ''): void {
    const ratio = total > 0 ? Math.min(done / total, 1) : 1;
    if (this.io.stderr.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && done < total) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(ratio * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      const text = `${this.label} [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${detail}`;
      this.io.stderr.write(`\r\x1b[2K${text.slice(0, 160)}`);
      this.drawn = true;
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile === this.lastDecile) return;
    this.lastDecile = decile;
    this.io.stderr.write(`${this.label}: ${(ratio * 100).toFixed(0)}% ${detail}\n`);
  }

  done(): void {
    if (this.drawn) this.io.stderr.write('\n');
    this.drawn = false;
  }
}

/** Reads the first line of standard input (a password given with --password-stdin). */
export async function readFirstLine(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    if (chunks.some((part) => part.includes(0x0a))) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

/** Asks on the terminal without echoing what is typed. */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin;
  if (!stdin.isTTY || !stdin.setRawMode) return Promise.reject(new CliError('no terminal to ask for a password: pipe it in with --password-stdin', 2));
  io.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    const finish = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliError('cancelled', 130));
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else answer += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
