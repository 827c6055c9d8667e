// How the server is reached: TLS served by itself (--tls-cert/--tls-key), or behind a proxy (--trust-proxy)
// where X-Forwarded-For names the requester, and only then.
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index.js';
import { createTestDb, tempDir } from '../support/server.js';
import { createKey, pendingAttempt, type World, world } from './helpers.js';

describe('behind a proxy', () => {
  let w: World;
  afterEach(async () => w.close());

  it('takes the requester address from X-Forwarded-For with --trust-proxy', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect((await w.stream.next('approval.requested')).request.ip).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For without it, so a requester cannot pick its own address', async () => {
    w = await world();
    const key = await createKey(w, 'push-unless-trusted', { ips: ['203.0.113.7'] });
    await pendingAttempt(w.server, key.api_key, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect((await w.stream.next('approval.requested')).request).toMatchObject({ ip: '127.0.0.1', ip_known: false });
  });
});

describe('TLS', () => {
  it('serves HTTPS with the given certificate and key', async () => {
    const dir = await tempDir();
    const database = await createTestDb();
    try {
      const cert = join(dir.path, 'cert.pem');
      const key = join(dir.path, 'key.pem');
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
          ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
        ],
        { stdio: 'ignore' },
      );
      const server = await startServer({
        db: database.db,
        validateReplies: true,
        port: 0,
        tls: { certFile: cert, keyFile: key },
        ...(database.totpKey ? { config: { totpKey: database.totpKey } } : {}),
      });
      try {
        expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const status = await new Promise<number>((resolve, reject) => {
          request(`${server.url}/openapi.json`, { rejectUnauthorized: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .on('error', reject)
            .end();
        });
        expect(status).toBe(200);
      } finally {
        await server.close();
      }
    } finally {
      await database.remove();
      await dir.remove();
    }
  });
});
