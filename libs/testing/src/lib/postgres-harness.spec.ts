import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startPostgres } from './postgres-harness';

const run = promisify(execFile);

describe('startPostgres', () => {
  it('starts a throwaway server with empty databases on loopback, and stop() shuts it down (twice is harmless)', async () => {
    const server = await startPostgres();
    try {
      const first = await server.createDatabase();
      const second = await server.createDatabase();
      expect(first).not.toBe(second);
      const { stdout } = await run('psql', [first, '-At', '-c', 'SELECT current_database(), count(*) FROM pg_tables WHERE schemaname = current_schema()']);
      expect(stdout.trim()).toBe(`${new URL(first).pathname.slice(1)}|0`);
    } finally {
      await server.stop();
    }
    await expect(run('psql', [`postgres://${server.username}@${server.host}:${server.port}/postgres`, '-c', 'SELECT 1'])).rejects.toThrow();
    await server.stop();
  });
});
