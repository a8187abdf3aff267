import { Command, InvalidArgumentError } from 'commander';
import { CliContext } from './context';
import { CliIo } from './io';

/** What a command handler gets: the lazily opened context and an output helper. */
export interface CommandScope {
  ctx: CliContext;
  io: CliIo;
  json: boolean;
  /** Prints `data` as JSON with --json, else the human text (when given). */
  print(data: unknown, human?: string): void;
}

/** A handler returns the exit code (0 when omitted). */
export type Handler<A extends unknown[]> = (scope: CommandScope, ...args: A) => Promise<number | void>;

export interface Runner {
  /** Wraps a handler as a commander action: opens the context, prints, closes, records the exit code. */
  <A extends unknown[]>(handler: Handler<A>): (...args: unknown[]) => Promise<void>;
}

export function createRunner(io: CliIo, setExitCode: (code: number) => void): Runner {
  return <A extends unknown[]>(handler: Handler<A>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<{ json?: boolean; verbose?: boolean }>();
      const ctx = new CliContext(io, options.verbose ?? false);
      const json = options.json ?? false;
      const scope: CommandScope = {
        ctx,
        io,
        json,
        print(data, human) {
          if (json) io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
          else if (human !== undefined) io.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
        },
      };
      try {
        // commander passes (arguments..., options, command): handlers get arguments and options.
        const code = await handler(scope, ...(args.slice(0, -1) as A));
        setExitCode(code ?? 0);
      } finally {
        await ctx.close();
      }
    };
}

/** A commander parser for whole numbers ≥ 0. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return Number(value);
}

/** A commander parser for numbers ≥ 0 (fractions allowed). */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return number;
}
