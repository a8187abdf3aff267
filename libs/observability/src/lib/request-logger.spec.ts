import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createAppLogger } from './app-logger';
import { createRequestLogger } from './request-logger';

/** A real HTTP server behind the logger; its routes answer like the registry's do. */
async function serve(level: string): Promise<{ server: Server; base: string; lines: () => Array<Record<string, unknown>> }> {
  const written: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      callback();
    },
  });
  const log = createRequestLogger(createAppLogger(level, 'test-app', destination));
  const server = createServer((request, response) =>
    log(request, response, () => {
      if (request.url?.startsWith('/ok')) return void response.setHeader('Content-Length', 5).writeHead(200).end('hello');
      if (request.url?.startsWith('/broken')) return void response.writeHead(500).end();
      // /slow: headers, then the body never ends (the client gives up)
      response.setHeader('Content-Length', 100).writeHead(200);
      response.write('x');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lines = () => written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('createRequestLogger', () => {
  it('writes one line per request with method, path, status, bytes and ms, never the query or headers', async () => {
    const { server, base, lines } = await serve('info');
    try {
      await (await fetch(`${base}/ok/v2/token?account=alice&password=secret`, { headers: { Authorization: 'Basic c2VjcmV0' } })).text();
      await (await fetch(`${base}/broken`, { method: 'PUT' })).text();
      await waitFor(() => lines().length === 2);
      const [ok, broken] = lines();
      expect(ok).toMatchObject({ level: 30, app: 'test-app', msg: 'request', req: { method: 'GET', path: '/ok/v2/token' }, res: { status: 200 }, bytes: 5 });
      expect(typeof ok['ms']).toBe('number');
      expect(JSON.stringify(lines())).not.toMatch(/secret|c2VjcmV0|Authorization|account=/i);
      expect(broken).toMatchObject({ level: 50, msg: 'request failed', req: { method: 'PUT', path: '/broken' }, res: { status: 500 } });
    } finally {
      server.close();
    }
  });

  it('logs a response the client abandoned as an error', async () => {
    const { server, base, lines } = await serve('info');
    try {
      await new Promise<void>((resolve) => {
        const request = httpRequest(`${base}/slow`, (response) => {
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        });
        request.end();
      });
      await waitFor(() => lines().length === 1);
      expect(lines()).toEqual([expect.objectContaining({ level: 50, msg: 'request failed', req: { method: 'GET', path: '/slow' }, res: { status: 200 } })]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('writes nothing for successful requests above info, but still the failures', async () => {
    const { server, base, lines } = await serve('warn');
    try {
      await (await fetch(`${base}/ok`)).text();
      await (await fetch(`${base}/broken`)).text();
      await waitFor(() => lines().length === 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines().map((line) => line['msg'])).toEqual(['request failed']);
    } finally {
      server.close();
    }
  });
});
