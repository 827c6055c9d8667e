// DNS rebinding: a page on attacker.example whose name is made to resolve to 127.0.0.1 reaches a loopback-only
// server through the owner's browser, which still sends `Host: attacker.example`. A server bound to loopback answers
// only requests for a loopback name or address; one bound to every interface is for any name.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer } from '../../server/index.js';
import { createTestDb, http } from '../support/server.js';
import { attempt, countRows, createKey, errorText, type World, world } from './helpers.js';

let w: World;
afterEach(async () => w?.close());

const REFUSAL =
  /^This server listens on loopback only and answers only requests for localhost, 127\.0\.0\.1 or \[::1\]; Host ".*" is none of them\.$/;

describe('a server bound to 127.0.0.1', () => {
  it('refuses a foreign Host with 421 and a sentence that says why, whatever the route', async () => {
    w = await world();
    for (const host of ['attacker.example', 'attacker.example:8787', '127.0.0.1.nip.io', '10.0.0.1', '[2001:db8::1]']) {
      const reply = await http(`${w.server.url}/openapi.json`, { headers: { host } });
      expect(reply.status, host).toBe(421);
      expect(errorText(reply), host).toMatch(REFUSAL);
    }
  });

  it('opens no session request for a rebound page, even with a valid key', async () => {
    w = await world();
    const key = await createKey(w, 'push');
    const reply = await attempt(w.server, key.api_key, { headers: { host: 'attacker.example' } });
    expect(reply.status).toBe(421);
    expect(await countRows(w.server, 'session_requests')).toBe(0);
  });

  it('refuses the push stream upgrade for a foreign Host', async () => {
    w = await world();
    const path = `/v1/approver-device/${w.device.id}/stream`;
    const socket = new WebSocket(`${w.server.url.replace(/^http/, 'ws')}${path}`, {
      headers: { ...w.device.sign('GET', path, ''), host: 'attacker.example' },
    });
    const status = await new Promise<number>((resolve, reject) => {
      socket.once('unexpected-response', (_request, response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      socket.once('open', () => reject(new Error('the stream opened for a foreign Host')));
      socket.once('error', reject);
    });
    expect(status).toBe(421);
  });

  it('answers every loopback name and address', async () => {
    w = await world();
    const port = w.server.port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'LOCALHOST',
      `[::1]:${port}`,
      '127.8.9.10',
      '[::ffff:127.0.0.1]',
    ]) {
      const reply = await http(`${w.server.url}/openapi.json`, { headers: { host } });
      expect(reply.status, host).toBe(200);
    }
  });
});

describe('a server bound to every interface', () => {
  it('answers any Host (it is meant to be reached by name)', async () => {
    const database = await createTestDb();
    const server = await startServer({
      db: database.db,
      validateReplies: true,
      port: 0,
      host: '0.0.0.0',
      ...(database.totpKey ? { config: { totpKey: database.totpKey } } : {}),
    });
    try {
      const reply = await http(`http://127.0.0.1:${server.port}/openapi.json`, {
        headers: { host: 'countersign.example.com' },
      });
      expect(reply.status).toBe(200);
    } finally {
      await server.close();
      await database.remove();
    }
  });
});
