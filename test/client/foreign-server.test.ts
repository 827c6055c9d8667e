// openSession pointed at something that is not a Countersign server (a wrong URL, a proxy's error page): the
// HTTP server here is the outside world on purpose, not a stand-in for ours.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { CountersignError, openSession } from '../../client/index.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = null;
});

async function foreignServer(status: number, body: string): Promise<string> {
  server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'text/html' }).end(body);
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('a 200 that is not protocol v1 is a protocol error, not a session', async () => {
  const url = await foreignServer(200, '<html>Welcome to nginx!</html>');
  const error = await openSession({ server: url, apiKey: 'k' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CountersignError);
  expect(error).toMatchObject({ kind: 'protocol', status: 200 });
  expect((error as Error).message).toContain('not Countersign protocol v1');
});

it('an error page without a Countersign error envelope still says the status', async () => {
  const url = await foreignServer(502, '<html>Bad Gateway</html>');
  const error = await openSession({ server: url, apiKey: 'k' }).catch((e: unknown) => e);
  expect(error).toMatchObject({ kind: 'http', status: 502 });
  expect((error as Error).message).toContain('HTTP 502');
});
