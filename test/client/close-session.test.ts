// closeSession and introspect against a real approval server.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CountersignError, closeSession, introspect, openSession } from '../../client/index.js';
import { ErrorText } from '../../protocol/index.js';
import { type Owner, startOwner } from './fixtures.js';

let owner: Owner;
beforeEach(async () => {
  owner = await startOwner();
});
afterEach(async () => {
  await owner.close();
});

async function openedSession() {
  const apiKey = await owner.key('ip-only', { ips: ['127.0.0.1'] });
  const result = await openSession({ server: owner.server.url, apiKey });
  if (result.status !== 'ACCEPTED') throw new Error(`expected ACCEPTED, got ${result.status}`);
  return result;
}

it('introspect describes a live session: user, key, IP, lifetime', async () => {
  const session = await openedSession();
  const result = await introspect({
    server: owner.server.url,
    introspectionSecret: owner.server.introspectionSecret,
    token: session.token,
  });
  expect(result).toMatchObject({ active: true, ip: '127.0.0.1' });
  if (!result.active) throw new Error('inactive');
  expect(Date.parse(result.expires) - Date.parse(result.created)).toBe(3600 * 1000);
});

it('after closeSession, introspect says the token is inactive', async () => {
  const session = await openedSession();
  await closeSession({ server: owner.server.url, token: session.token, sessionId: session.sessionId });
  const result = await introspect({
    server: owner.server.url,
    introspectionSecret: owner.server.introspectionSecret,
    token: session.token,
  });
  expect(result).toEqual({ active: false });
});

it("closeSession with another session's token is refused and leaves the session open", async () => {
  const first = await openedSession();
  const second = await openedSession();
  const error = await closeSession({ server: owner.server.url, token: second.token, sessionId: first.sessionId }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CountersignError);
  expect(error).toMatchObject({ status: 401, message: ErrorText.SESSION_AUTH });
  const result = await introspect({
    server: owner.server.url,
    introspectionSecret: owner.server.introspectionSecret,
    token: first.token,
  });
  expect(result.active).toBe(true);
});

it('introspect with the wrong secret is a 401 CountersignError', async () => {
  const session = await openedSession();
  const error = await introspect({
    server: owner.server.url,
    introspectionSecret: 'not-the-secret',
    token: session.token,
  }).catch((e: unknown) => e);
  expect(error).toMatchObject({ status: 401, message: ErrorText.INTROSPECTION_AUTH });
});

it('introspect says inactive for a token the server never issued', async () => {
  const result = await introspect({
    server: owner.server.url,
    introspectionSecret: owner.server.introspectionSecret,
    token: 'cst_never-issued',
  });
  expect(result).toEqual({ active: false });
});
