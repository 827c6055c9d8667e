// openSession against a server released before POST /v1/session-server took ?wait: such a server refuses any query
// there with 400, having done nothing. The library asks again without the wait and goes on as before (POST, then
// status reads). The older release is an outside party to a library that ships on its own, so it is stood in for
// here by its one difference — its refusal, byte for byte what that release's validation sent — in front of a
// real current server, which does all the rest.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { openSession } from '../../client/index.js';
import { errorEnvelope } from '../../protocol/index.js';
import { type Owner, startOwner } from './fixtures.js';

let owner: Owner;
let olderServer: Server | null = null;
afterEach(async () => {
  await new Promise<void>((done) => (olderServer ? olderServer.close(() => done()) : done()));
  olderServer = null;
  await owner?.close();
});

/** The older release's front: refuses a POST with a query, forwards everything else; counts what it saw. */
async function olderRelease(target: string) {
  const seen: string[] = [];
  const upstream = new URL(target);
  olderServer = createServer((incoming, outgoing) => {
    seen.push(`${incoming.method} ${incoming.url}`);
    if (incoming.method === 'POST' && incoming.url?.startsWith('/v1/session-server?')) {
      incoming.resume();
      const body = JSON.stringify(errorEnvelope('query: unknown field "wait"'));
      outgoing.writeHead(400, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((done) => olderServer!.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(olderServer.address() as AddressInfo).port}`, seen };
}

it('asks a server that refuses the wait again without it, and collects the token by status read', async () => {
  owner = await startOwner();
  const apiKey = await owner.key('push');
  const { device, stream } = await owner.device();
  const older = await olderRelease(owner.server.url);
  const opening = openSession({ server: older.url, apiKey });
  const { request: asked } = await stream.next('approval.requested');
  expect((await device.decide(asked.uuid, { decision: 'APPROVE' })).status).toBe(200);
  const result = await opening;
  expect(result).toMatchObject({ status: 'ACCEPTED', uuid: asked.uuid });
  expect(older.seen[0]).toBe('POST /v1/session-server?wait=1');
  expect(older.seen[1]).toBe('POST /v1/session-server');
  expect(
    older.seen.slice(2).every((line) => line.startsWith(`GET /v1/session-server-request/${asked.uuid}?wait=`)),
  ).toBe(true);
});
