import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { createAppLogger, PinoNestLogger } from './app-logger';

function capture(level: string): { logger: PinoNestLogger; lines: () => Array<Record<string, unknown>> } {
  const written: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      callback();
    },
  });
  const logger = new PinoNestLogger(createAppLogger(level, 'test-app', destination));
  return { logger, lines: () => written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('PinoNestLogger', () => {
  it('writes Nest messages as JSON lines with the app, the pino level and the context', () => {
    const { logger, lines } = capture('trace');
    logger.log('registry listening', 'Bootstrap');
    logger.warn('upload failed, retrying', 'WriteBehind');
    logger.debug('detail', 'Cache');
    logger.verbose('more detail', 'Cache');
    logger.fatal('cannot go on', 'Bootstrap');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 30, app: 'test-app', context: 'Bootstrap', msg: 'registry listening' }),
      expect.objectContaining({ level: 40, context: 'WriteBehind', msg: 'upload failed, retrying' }),
      expect.objectContaining({ level: 20, context: 'Cache', msg: 'detail' }),
      expect.objectContaining({ level: 10, context: 'Cache', msg: 'more detail' }),
      expect.objectContaining({ level: 60, context: 'Bootstrap', msg: 'cannot go on' }),
    ]);
  });

  it("keeps an error's stack, whether Nest passes the error or its stack text", () => {
    const { logger, lines } = capture('info');
    const failure = new Error('disk full');
    logger.error(failure, 'Storage');
    logger.error('request handler threw', failure.stack, 'ExceptionsHandler');
    logger.error('garbage collection failed', failure, 'GarbageCollector');
    const [passed, text, argument] = lines();
    expect(passed).toMatchObject({ level: 50, context: 'Storage', msg: 'disk full', err: { message: 'disk full' } });
    expect(String((passed['err'] as { stack: string }).stack)).toContain('app-logger.spec');
    expect(text).toMatchObject({ level: 50, context: 'ExceptionsHandler', msg: 'request handler threw' });
    expect(String((text['err'] as { stack: string }).stack)).toContain('Error: disk full');
    expect(argument).toMatchObject({ context: 'GarbageCollector', msg: 'garbage collection failed', err: { message: 'disk full' } });
  });

  it("logs Nest's start-up chatter (modules, routes) at debug, so LOG_LEVEL=info leaves it out", () => {
    const { logger, lines } = capture('info');
    logger.log('Mapped {/v2/*path, ALL} route', 'RouterExplorer');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('storing images on sftp://alice@nas:22/refity', 'Storage');
    expect(lines().map((line) => line['msg'])).toEqual(['storing images on sftp://alice@nas:22/refity']);
  });

  it('drops what LOG_LEVEL turns off', () => {
    const { logger, lines } = capture('warn');
    logger.log('started', 'Bootstrap');
    logger.warn('queue is long', 'WriteBehind');
    expect(lines()).toEqual([expect.objectContaining({ level: 40, msg: 'queue is long' })]);
  });

  it("serves Nest's static Logger once installed as the app's logger", () => {
    const { logger, lines } = capture('info');
    Logger.overrideLogger(logger);
    try {
      new Logger('Retention').log('removed 3 tags');
      Logger.warn('JWT_SECRET is not set', 'Bootstrap');
    } finally {
      Logger.overrideLogger(true);
    }
    expect(lines()).toEqual([
      expect.objectContaining({ level: 30, context: 'Retention', msg: 'removed 3 tags' }),
      expect.objectContaining({ level: 40, context: 'Bootstrap', msg: 'JWT_SECRET is not set' }),
    ]);
  });
});
