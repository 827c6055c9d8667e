// Bad input: a seeded, generated corpus of malformed requests to every endpoint and bad messages on the push
// stream. Always a 4xx with bunq's Error envelope (or a stream close with 4400 and a reason), never a 5xx or a
// crash, and the database unchanged. COUNTERSIGN_FUZZ_SEED=<n> replays another corpus; the 100 000-request
// variant is in test/stress.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCreated, ErrorEnvelope } from '../../protocol/index.js';
import type { TestDevice } from '../support/device.js';
import { runBadInputCorpus } from './support/bad-input.js';
import { FORBIDDEN_IN_DISPLAY_TEXT, HARMLESS_UNICODE, SQL_AND_FRIENDS } from './support/corpus.js';
import { query } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import { attempt, errorText, pendingUuid, person, pushKey, report } from './support/world.js';

const seed = Number(process.env.COUNTERSIGN_FUZZ_SEED ?? 20261123);

it(`10 000 malformed requests and 300 bad stream messages are all refused, nothing changes (seed ${seed})`, async () => {
  const figures = await runBadInputCorpus({ requests: 10_000, streamMessages: 300, seed });
  expect(figures.requests).toBeGreaterThanOrEqual(10_000);
  expect(figures.violations).toBe(0);
  report('bad-input', figures);
}, 180_000);

describe('text that is hostile but allowed, and text that is not', () => {
  let server: HardeningServer;
  let device: TestDevice;
  beforeAll(async () => {
    server = await startHardeningServer({ sessionRateLimit: 0 });
    [device] = (await person(server, 'alice')).devices as [TestDevice];
  });
  afterAll(async () => server.close());

  it('right-to-left scripts, emoji and SQL metacharacters reach the owner exactly as sent; nothing is executed', async () => {
    const stream = await device.connect();
    await stream.next('hello');
    const key = await pushKey(server, 'alice');
    const texts = [...HARMLESS_UNICODE, ...SQL_AND_FRIENDS];
    for (const description of texts) {
      const uuid = await pendingUuid(server, key.api_key, { description });
      const pushed = await stream.next('approval.requested');
      expect(pushed.request).toMatchObject({ uuid, description });
      expect((await device.decide(uuid, { decision: 'APPROVE' })).status).toBe(200);
    }
    // The same texts as key names, through the management API.
    for (const name of SQL_AND_FRIENDS) {
      const created = await device.request('POST', `/v1/user/${device.userId}/credential-password-ip`, {
        name,
        mode: 'push',
      });
      expect(created.status, created.text).toBe(200);
      expect(CredentialCreated.parse(created.json).Response[1].CredentialPasswordIp.name).toBe(name);
    }
    const tables = await query<{ name: string }>(server.db, "SELECT name FROM sqlite_master WHERE type = 'table'");
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'credentials', 'sessions']));
    await stream.close();
  });

  it.each(FORBIDDEN_IN_DISPLAY_TEXT.map((c) => [`U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`, c]))(
    'a description with %s is refused before anyone is asked',
    async (_name, character) => {
      const key = await pushKey(server, 'alice', `refuses ${_name}`);
      const reply = await attempt(server, key.api_key, { description: `pay ${character}moc.knab to` });
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toBe('description: must not contain control characters');
      expect(await query(server.db, 'SELECT 1 FROM session_requests WHERE credential_id = ?', key.id)).toEqual([]);
    },
  );
});

/** Writes raw bytes on a fresh connection and reads everything until the server closes it. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(bytes.slice(0, 80))}`)));
  });
}

describe('requests that are not even well-formed HTTP', () => {
  let server: HardeningServer;
  beforeAll(async () => {
    server = await startHardeningServer();
  });
  afterAll(async () => server.close());

  const post = (head: string, body = '{}') =>
    `POST /v1/session-server HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${head}\r\n${body}`;
  const cases: [string, string, number][] = [
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', 400],
    ['an HTTP/2 preface on an HTTP/1 port', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400],
    ['a header name with a space', 'GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nBad Header: y\r\n\r\n', 400],
    ['a NUL in the path', 'GET /v1/\u0000 HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['20 KB of headers', `GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a Content-Length that is not a number', post('Content-Length: abc\r\n'), 400],
    ['two different Content-Lengths', post('Content-Length: 2\r\nContent-Length: 3\r\n'), 400],
    [
      'Transfer-Encoding and Content-Length together',
      post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'),
      400,
    ],
    ['a chunk size that is not hex', post('Transfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'), 400],
    ['a body shorter than its Content-Length', post('Content-Length: 100\r\n'), 400],
    [
      'broken percent-encoding in a path id',
      'GET /v1/session-server-request/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n',
      400,
    ],
    [
      'a truncated UTF-8 escape in the path',
      'GET /v1/user/%E0%A4%A/credential-password-ip HTTP/1.1\r\nHost: localhost\r\n\r\n',
      400,
    ],
    ['HTTP/1.1 without Host', 'GET /openapi.json HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
  ];

  it.each(cases)('%s → %i with the Error envelope', async (_what, bytes, status) => {
    const reply = await rawExchange(server.port, bytes);
    const [head = '', body = ''] = reply.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const envelope = ErrorEnvelope.safeParse(JSON.parse(body));
    expect(envelope.success, reply).toBe(true);
    expect(envelope.data?.Error[0]?.error_description).not.toMatch(/internal/i);
  });
});
