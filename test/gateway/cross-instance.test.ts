// "Refused at once" across instances: two approval servers on one PostgreSQL database; the gateway asks instance B,
// the session is ended (or its key deactivated) on instance A, and the very next request is refused. The gateway
// keeps no cache, and every instance reads the same rows. Needs scripts/with-postgres.sh (COUNTERSIGN_TEST_PG).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openedAttempt } from '../server/helpers.js';
import { TestDevice } from '../support/device.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { http, startTestServer, type TestServer, tempDir } from '../support/server.js';
import {
  type GatewayScene,
  newUpstreamSecret,
  SESSION_HEADER,
  startScene,
  upstreamCallsSince,
} from './support/fixture.js';
import { type Nginx, nginxMissing, startNginx } from './support/nginx.js';

const missing = nginxMissing();
const secret = newUpstreamSecret();
let database: TestDatabase;
let a: TestServer;
let b: TestServer;
let nginx: Nginx;
let scene: GatewayScene;
let dir: Awaited<ReturnType<typeof tempDir>>;
let device: TestDevice;
let userId: number;
let keys: { id: number; api_key: string }[];

beforeAll(async () => {
  if (missing) return;
  database = await createTestDatabase();
  const totpKey = randomBytes(32);
  a = await startTestServer({ db: database.url, totpKey });
  b = await startTestServer({ db: database.url, totpKey });
  userId = (await a.admin.createUser('alice')).id;
  device = await TestDevice.pair(a.url, (await a.admin.pair('alice')).code, 'alice-laptop');
  keys = [
    await a.admin.createKey({ user: 'alice', name: 'cron', mode: 'ip-only', ips: ['127.0.0.1'] }),
    await a.admin.createKey({ user: 'alice', name: 'cron-2', mode: 'ip-only', ips: ['127.0.0.1'] }),
  ];
  dir = await tempDir('countersign-gateway-xi-');
  nginx = await startNginx({ dir: join(dir.path, 'nginx'), secret });
  await writeFile(join(dir.path, 'upstream.secret'), secret);
  scene = await startScene({
    dir: dir.path,
    serverUrl: b.url,
    introspectionSecret: b.introspectionSecret,
    upstreams: [
      {
        name: 'api',
        prefix: '/api',
        url: `${nginx.url}/hdr`,
        keys: keys.map((k) => k.id),
        inject: { header: 'Authorization', value: 'Bearer {secret}' },
        secret: { file: 'upstream.secret' },
      },
    ],
  });
});

afterAll(async () => {
  await scene?.close();
  await nginx?.stop();
  await a?.close();
  await b?.close();
  await database?.drop();
  await dir?.remove();
});

async function refusedUnseen(token: string) {
  const before = (await nginx.accessLog()).length;
  expect((await scene.call('/api/next', token)).status).toBe(401);
  expect(await upstreamCallsSince(nginx, before)).toEqual([]);
}

it.skipIf(missing !== null)(
  'a session ended on instance A is refused at once by a gateway asking instance B',
  async () => {
    const opened = await openedAttempt(a, keys[0]!.api_key);
    const token = opened.Response[1].Token.token;
    expect((await scene.call('/api/first', token)).status).toBe(200);
    const ended = await http(`${a.url}/v1/session-server/${opened.Response[0].Id.id}`, {
      method: 'DELETE',
      headers: { [SESSION_HEADER]: token },
    });
    expect(ended.status).toBe(200);
    await refusedUnseen(token);
  },
);

it.skipIf(missing !== null)('a key deactivated on instance A cuts off its sessions at once through B', async () => {
  const opened = await openedAttempt(a, keys[1]!.api_key);
  const token = opened.Response[1].Token.token;
  expect((await scene.call('/api/first', token)).status).toBe(200);
  const put = await device.request('PUT', `/v1/user/${userId}/credential-password-ip/${keys[1]!.id}`, {
    status: 'INACTIVE',
  });
  expect(put.status, put.text).toBe(200);
  await refusedUnseen(token);
});
