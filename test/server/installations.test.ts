// Requester installations through the real server: registration, and the signature a registered program puts on its
// session requests and status reads. Every refusal is a clear 401/400 and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorText,
  type Installation,
  InstallationCreated,
  SessionServerPending,
  SessionServerRequestRead,
} from '../../protocol/index.js';
import { generateDeviceKeyPair, publicKeyFingerprint } from '../../protocol/crypto.js';
import { registerInstallation, TestInstallation } from '../support/requester.js';
import { attempt, createKey, errorText, readStatus, snapshotDb, type World, world } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await world();
});
afterEach(async () => w.close());

describe('POST /v1/installation', () => {
  it('registers a public key with the API key and gives the same id for the same key again', async () => {
    const key = await createKey(w, 'push');
    const keys = generateDeviceKeyPair();
    const first = await registerInstallation(w.server.url, key.api_key, {
      client_public_key: keys.publicKey,
      name: 'runner-3',
    });
    expect(first.status, first.text).toBe(200);
    const [id, item] = InstallationCreated.parse(first.json).Response;
    expect(item.Installation).toEqual<Installation>({
      id: id.Id.id,
      credential_id: key.id,
      name: 'runner-3',
      fingerprint: publicKeyFingerprint(keys.publicKey),
      created: expect.any(String),
      last_used: null,
      sessions_opened: 0,
    });
    const again = await registerInstallation(w.server.url, key.api_key, {
      client_public_key: keys.publicKey,
      name: 'other',
    });
    expect(InstallationCreated.parse(again.json).Response[0].Id.id).toBe(id.Id.id);
    // The same public key with another API key is another installation, bound to that key.
    const other = await createKey(w, 'push', { name: 'other key' });
    const theirs = await registerInstallation(w.server.url, other.api_key, {
      client_public_key: keys.publicKey,
      name: 'x',
    });
    expect(InstallationCreated.parse(theirs.json).Response[0].Id.id).not.toBe(id.Id.id);
  });

  it('refuses a missing, unknown or deactivated key with 401 and bad bodies with 400, changing nothing', async () => {
    const key = await createKey(w, 'push');
    const { publicKey } = generateDeviceKeyPair();
    const before = await snapshotDb(w.server);
    for (const apiKey of [undefined, 'csk_not-a-key']) {
      const reply = await registerInstallation(w.server.url, apiKey, { client_public_key: publicKey, name: 'x' });
      expect(reply.status).toBe(401);
      expect(errorText(reply)).toBe(ErrorText.BAD_CREDENTIALS);
    }
    const bad: [unknown, string][] = [
      [{ client_public_key: publicKey.slice(1), name: 'x' }, 'client_public_key'],
      [{ client_public_key: `${publicKey}=`, name: 'x' }, 'client_public_key'],
      [{ client_public_key: publicKey, name: '' }, 'name'],
      [{ client_public_key: publicKey, name: 'a\u202Eb' }, 'name'],
      [{ client_public_key: publicKey }, 'name'],
      [{ client_public_key: publicKey, name: 'x', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of bad) {
      const reply = await registerInstallation(w.server.url, key.api_key, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(errorText(reply)).toContain(field);
    }
    expect(await snapshotDb(w.server)).toBe(before);
  });
});

describe('signed session requests', () => {
  it('carry the installation to the owner, and its status is read only with its signature', async () => {
    const key = await createKey(w, 'push');
    const runner = await TestInstallation.register(w.server.url, key.api_key, 'runner-3');
    const reply = await runner.attempt(key.api_key, { description: 'deploy' });
    expect(reply.status, reply.text).toBe(202);
    const pending = SessionServerPending.parse(reply.json).Response[0].SessionServerRequest;
    const { request } = await w.stream.next('approval.requested');
    expect(request.installation).toEqual({
      id: runner.id,
      name: 'runner-3',
      fingerprint: runner.fingerprint,
      created: expect.any(String),
      sessions_opened: 0,
      new_program: true,
    });
    expect((await w.device.decide(pending.uuid, { decision: 'APPROVE' })).status).toBe(200);
    // The API key alone does not fetch the token of a request an installation opened.
    const unsigned = await readStatus(w.server, pending.uuid, key.api_key);
    expect(unsigned.status).toBe(401);
    expect(errorText(unsigned)).toBe(ErrorText.INSTALLATION_REQUIRED);
    const other = await TestInstallation.register(w.server.url, key.api_key, 'other');
    expect((await other.readStatus(pending.uuid, key.api_key)).status).toBe(401);
    const signed = await runner.readStatus(pending.uuid, key.api_key);
    expect(signed.status, signed.text).toBe(200);
    expect(SessionServerRequestRead.parse(signed.json).Response).toHaveLength(3);
    // The next request of the same program is no longer new.
    await runner.attempt(key.api_key);
    expect((await w.stream.next('approval.requested')).request.installation).toMatchObject({
      sessions_opened: 1,
      new_program: false,
    });
  });

  it('unsigned requests keep working as before', async () => {
    const key = await createKey(w, 'push');
    await TestInstallation.register(w.server.url, key.api_key);
    expect((await attempt(w.server, key.api_key)).status).toBe(202);
    expect((await w.stream.next('approval.requested')).request.installation).toBeNull();
  });

  it("refuses an unknown or foreign installation, another installation's signature, a replay and a stale or missing timestamp, changing nothing", async () => {
    const key = await createKey(w, 'push');
    const otherKey = await createKey(w, 'push', { name: 'other' });
    const runner = await TestInstallation.register(w.server.url, key.api_key, 'runner');
    const foreign = await TestInstallation.register(w.server.url, otherKey.api_key, 'foreign');
    const first = await runner.attempt(key.api_key);
    expect(first.status).toBe(202);
    await w.stream.next('approval.requested');
    const before = await snapshotDb(w.server);
    const cases: [string, () => Promise<{ status: number; json: unknown; text: string }>, string][] = [
      ['unknown id', () => runner.attempt(key.api_key, { asInstallation: 999_999 }), ErrorText.INSTALLATION_UNKNOWN],
      ['foreign installation', () => foreign.attempt(key.api_key), ErrorText.INSTALLATION_UNKNOWN],
      // The foreign installation's key signs, but the header names ours: the signature does not verify.
      [
        'another installation signs',
        () => foreign.attempt(key.api_key, { asInstallation: runner.id }),
        ErrorText.INSTALLATION_SIGNATURE,
      ],
      ['replay', () => runner.attempt(key.api_key, { headers: first.sentHeaders }), ErrorText.REPLAYED],
      ['61 s ahead', () => runner.attempt(key.api_key, { timestamp: Date.now() + 61_000 }), ErrorText.STALE_TIMESTAMP],
      ['61 s behind', () => runner.attempt(key.api_key, { timestamp: Date.now() - 61_000 }), ErrorText.STALE_TIMESTAMP],
      [
        'id only',
        () => runner.attempt(key.api_key, { headers: { 'x-countersign-installation': String(runner.id) } }),
        ErrorText.INSTALLATION_HEADERS,
      ],
      ['unknown API key', () => runner.attempt('csk_unknown'), ErrorText.BAD_CREDENTIALS],
    ];
    for (const [what, call, text] of cases) {
      const reply = await call();
      expect(reply.status, what).toBe(401);
      expect(errorText(reply as never), what).toBe(text);
    }
    expect(await snapshotDb(w.server)).toBe(before);
    expect(w.stream.pending().filter((m) => m.type === 'approval.requested')).toEqual([]);
    // At the edge of the window: 59 s ahead is still taken.
    expect((await runner.attempt(key.api_key, { timestamp: Date.now() + 59_000 })).status).toBe(202);
  });
});
