// IPC fuzz: every channel of the IPC contract fed malformed arguments through the main-process handlers
// (createIpcHandlers) over a REAL core paired with a real server. Always {ok:false, error:{code:'INVALID_INPUT'}},
// never a throw, and nothing changes: the core's accounts, queue and local history, the keychain, what the server
// stores (not even a signed call reaches it), the shell's windows and settings, Object.prototype.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { invokeChannels, type InvokeChannel, type Settings } from '../../ipc/contract.js';
import { createIpcHandlers, type IpcHandlers, type ShellActions } from '../../main/ipc/handlers.js';
import { describeWithKeychain } from '../core/keychain-session.js';
import { type TestCore, startTestCore, waitFor } from '../support/core.js';
import { MALFORMED_IPS } from './support/corpus.js';
import { query, snapshot, snapshotDifference } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import { attempt, report } from './support/world.js';

const RUNS_PER_CHANNEL = 300;
const seed = Number(process.env.COUNTERSIGN_FUZZ_SEED ?? 20261123);

// ---------------------------------------------------------------------------------------------------------------
// Values the renderer could send through structured clone that no argument of the contract accepts.

const cloneable = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    10n ** 30n,
    new Date(0),
    new Map([['a', 1]]),
    new Set([1]),
    /x/g,
    new Uint8Array([1, 2]),
    new ArrayBuffer(4),
    [],
    [[]],
    {},
    JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`),
    JSON.parse(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
/** Objects with own keys that reach prototypes when merged carelessly (JSON.parse makes "__proto__" an own key). */
const pollution = fc.constantFrom(
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
  JSON.parse('{"decision":"APPROVE","__proto__":{"polluted":true}}'),
  JSON.parse('{"name":"k","mode":"push","__proto__":{"polluted":true}}'),
);
const notAString = cloneable.filter((v) => typeof v !== 'string');
const notAnInt = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 31), '1', '01', true, null, Number.NaN, Number.POSITIVE_INFINITY),
  fc.double({ noInteger: true }),
  notAString.filter((v) => typeof v !== 'number'),
);
const badAccountId = fc.oneof(
  fc.constant(''),
  fc.nat({ max: 1000 }).map((n) => 'a'.repeat(65 + n)),
  notAString,
);
const badUuid = fc.oneof(
  fc.constantFrom('', 'not-a-uuid', '00000000-0000-0000-0000-00000000000g', "'; DROP TABLE history; --"),
  fc.string({ maxLength: 40 }),
  notAString,
);
const flipCase = (v: string) => (v === v.toLowerCase() ? v.toUpperCase() : v.toLowerCase());
const badEnum = (valid: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...valid.map(flipCase), ...valid.map((v) => ` ${v}`), '', '__proto__'),
    fc.string({ maxLength: 12 }).filter((s) => !valid.includes(s)),
    notAString,
  );
const notABoolean = fc.oneof(fc.constantFrom('true', 'false', 1, 0, null, [], {}), fc.string({ maxLength: 5 }));
const badIsoDate = fc.constantFrom(
  'yesterday',
  '2026-13-01T00:00:00Z',
  '2026-11-23',
  12345,
  '',
  '2026-11-23T10:00:00+25:00',
);

/** An object with at least one field broken, one unknown field added, or a value that is not an object at all. */
function brokenObject(fields: Record<string, { valid?: unknown; invalid: fc.Arbitrary<unknown> }>) {
  const names = Object.keys(fields);
  return fc.oneof(
    fc
      .tuple(
        fc.subarray(names, { minLength: 1 }),
        fc.record(Object.fromEntries(names.map((n) => [n, fields[n]!.invalid]))),
      )
      .map(([broken, bad]) => {
        const value: Record<string, unknown> = {};
        for (const name of names) {
          if (broken.includes(name)) value[name] = bad[name];
          else if (fields[name]!.valid !== undefined) value[name] = fields[name]!.valid;
        }
        // undefined counts as absent for optional fields: make sure a broken field is really there and wrong.
        for (const name of broken) if (value[name] === undefined) value[name] = null;
        return value;
      }),
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom('extra', 'accountId ', 'isAdmin', 'prototype'),
          fc.string({ minLength: 1, maxLength: 8 }),
        ),
        cloneable,
      )
      .filter(([key]) => !names.includes(key))
      .map(([key, v]) => ({
        ...Object.fromEntries(names.filter((n) => fields[n]!.valid !== undefined).map((n) => [n, fields[n]!.valid])),
        [key]: v,
      })),
    pollution,
    fc.constantFrom(null, 'object', 42, [], [{}], new Date(0)),
  );
}

/** Each argument position of a channel: a valid value (to keep the other positions right) and breakages. */
type Position = { valid: unknown; invalid: fc.Arbitrary<unknown> };

function positions(
  accountId: string,
  credentialId: number,
  ipId: number,
  uuid: string,
): Record<InvokeChannel, Position[]> {
  const account: Position = { valid: accountId, invalid: badAccountId };
  const credential: Position = { valid: credentialId, invalid: notAnInt };
  const keyFields = {
    name: {
      valid: 'renamed',
      invalid: fc.oneof(fc.constantFrom('', 'a\u202eb', 'line\nbreak', 'x'.repeat(101)), notAString),
    },
    mode: { valid: 'push', invalid: badEnum(['ip-only', 'push', 'push-unless-trusted']) },
  };
  return {
    'accounts:list': [],
    'accounts:pair': [
      {
        valid: {},
        invalid: brokenObject({
          link: {
            invalid: fc.oneof(
              fc.nat({ max: 100 }).map((n) => `countersign://pair?x=${'a'.repeat(2049 + n)}`),
              notAString,
            ),
          },
          server: { invalid: fc.oneof(fc.constant('x'.repeat(2049)), notAString) },
          code: { invalid: fc.oneof(fc.constant('K'.repeat(65)), notAString) },
          deviceName: { invalid: fc.oneof(fc.constantFrom('', 'n'.repeat(101)), notAString) },
        }),
      },
    ],
    'accounts:remove': [account],
    'accounts:invite': [account],
    'devices:list': [account],
    'devices:remove': [account, { valid: 999, invalid: notAnInt }],
    'devices:events': [
      account,
      {
        valid: {},
        invalid: brokenObject({
          count: { invalid: fc.constantFrom(0, 201, -5, 2.5, '10') },
          olderThan: { invalid: fc.constantFrom(0, -1, 1.5, '7') },
        }),
      },
    ],
    'devices:notices': [],
    'devices:dismiss-notice': [account, { valid: 1, invalid: notAnInt }],
    'approvals:list': [],
    'approvals:decide': [
      account,
      { valid: uuid, invalid: badUuid },
      {
        valid: { decision: 'APPROVE' },
        invalid: brokenObject({
          decision: { valid: 'APPROVE', invalid: badEnum(['APPROVE', 'BLOCK']) },
          bindingCode: { invalid: fc.oneof(fc.constantFrom('', '123456789', 'ab', '٠١'), notAString) },
          pin: { invalid: fc.oneof(fc.constantFrom('', '123', 'x'.repeat(65)), notAString) },
          trustIp: { invalid: notABoolean },
          deactivateCredential: { invalid: notABoolean },
        }),
      },
    ],
    'keys:list': [account],
    'keys:create': [
      account,
      {
        valid: { name: 'k', mode: 'push' },
        invalid: brokenObject({
          ...keyFields,
          number_matching: { invalid: notABoolean },
          ips: {
            invalid: fc.oneof(
              fc.array(fc.constantFrom(...MALFORMED_IPS), { minLength: 1, maxLength: 3 }),
              fc.constant(Array.from({ length: 101 }, () => '10.0.0.1')),
              notAString.filter((v) => !Array.isArray(v)),
            ),
          },
        }),
      },
    ],
    'keys:update': [
      account,
      credential,
      {
        valid: { name: 'renamed' },
        invalid: fc.oneof(
          fc.constant({}),
          brokenObject({
            ...keyFields,
            status: { invalid: badEnum(['ACTIVE', 'INACTIVE']) },
            number_matching: { invalid: notABoolean },
          }),
        ),
      },
    ],
    'ips:list': [account, credential],
    'ips:add': [
      account,
      credential,
      { valid: '10.0.0.9', invalid: fc.oneof(fc.constantFrom(...MALFORMED_IPS), notAString) },
    ],
    'ips:set-status': [
      account,
      credential,
      { valid: ipId, invalid: notAnInt },
      { valid: 'INACTIVE', invalid: badEnum(['ACTIVE', 'INACTIVE']) },
    ],
    'history:local': [
      {
        valid: {},
        invalid: brokenObject({
          accountId: { invalid: badAccountId.filter((v) => v !== undefined) },
          credentialId: { invalid: notAnInt.filter((v) => v !== undefined) },
          status: { invalid: badEnum(['PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED']).filter((v) => v !== undefined) },
          since: { invalid: badIsoDate },
          until: { invalid: badIsoDate },
          limit: {
            invalid: fc.oneof(
              fc.constantFrom(0, 1001, -1, 1.5),
              notAnInt.filter((v) => v !== undefined),
            ),
          },
        }),
      },
    ],
    'history:server': [
      account,
      {
        valid: {},
        invalid: brokenObject({
          status: { invalid: badEnum(['PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED']).filter((v) => v !== undefined) },
          credentialId: { invalid: notAnInt.filter((v) => v !== undefined) },
          count: { invalid: fc.constantFrom(0, 201, -5, 2.5, '10') },
        }),
      },
    ],
    'pin:status': [],
    'pin:set': [
      {
        valid: { pin: '1234' },
        invalid: brokenObject({
          pin: { valid: '1234', invalid: fc.oneof(fc.constantFrom('', '123', 'x'.repeat(65)), notAString) },
          currentPin: { invalid: fc.oneof(fc.constantFrom('', '123', 'x'.repeat(65)), notAString) },
        }),
      },
    ],
    'pin:remove': [{ valid: '1234', invalid: fc.oneof(fc.constantFrom('', '123', 'x'.repeat(65)), notAString) }],
    'grants:list': [account, credential, { valid: {}, invalid: brokenObject({ all: { invalid: notABoolean } }) }],
    'grants:active': [],
    'grants:create': [
      account,
      credential,
      {
        valid: { scope: 'anywhere', minutes: 5 },
        invalid: brokenObject({
          scope: { valid: 'anywhere', invalid: badEnum(['installation', 'network', 'anywhere']) },
          minutes: { valid: 5, invalid: fc.constantFrom(0, 10081, -1, 1.5, '5', null) },
          max_uses: { invalid: fc.constantFrom(0, 10001, -1, 1.5, '5', null) },
        }),
      },
    ],
    'grants:revoke': [
      account,
      credential,
      { valid: 1, invalid: notAnInt },
      {
        valid: { endSessions: false },
        invalid: brokenObject({ endSessions: { valid: false, invalid: notABoolean.filter((v) => v !== undefined) } }),
      },
    ],
    'grants:not-me': [account, credential],
    'grants:notices': [],
    'grants:dismiss-notice': [
      { valid: 'a1:3:x:1', invalid: fc.oneof(fc.constantFrom('', 'n'.repeat(201)), notAString) },
    ],
    'app:open-window': [
      { valid: 'keys', invalid: badEnum(['approval', 'keys', 'ips', 'history', 'accounts', 'devices', 'grants']) },
      {
        valid: {},
        invalid: brokenObject({
          accountId: { invalid: badAccountId.filter((v) => v !== undefined) },
          credentialId: { invalid: notAnInt.filter((v) => v !== undefined) },
        }),
      },
    ],
    'totp:current': [account],
    'app:settings': [],
    'app:set-start-at-login': [{ valid: true, invalid: notABoolean.filter((v) => typeof v !== 'boolean') }],
  };
}

/** Argument lists for one channel that its contract refuses: a broken position, or the wrong number of arguments. */
function malformedArgs(spec: Position[]): fc.Arbitrary<{ how: string; args: unknown[] }> {
  const valid = spec.map((p) => p.valid);
  const options: fc.Arbitrary<{ how: string; args: unknown[] }>[] = [
    cloneable.map((extra) => ({ how: 'one argument too many', args: [...valid, extra] })),
  ];
  if (spec.length > 0) {
    options.push(fc.constant({ how: 'one argument missing', args: valid.slice(0, -1) }));
    options.push(fc.constant({ how: 'all arguments in one array', args: [valid] }));
    spec.forEach((position, index) => {
      options.push(
        position.invalid.map((bad) => ({
          how: `argument ${index + 1} wrong`,
          args: valid.map((v, i) => (i === index ? bad : v)),
        })),
      );
    });
  }
  return fc.oneof(...options);
}

describeWithKeychain(`IPC fuzz over a real core`, () => {
  let server: HardeningServer;
  let desktop: TestCore;
  let handlers: IpcHandlers;
  const shellCalls: unknown[][] = [];

  beforeAll(async () => {
    // The sweeper prunes on every round (not only every 30 s), so what the set-up spent (the pairing code) is gone
    // before the snapshot below instead of vanishing in the middle of the fuzz whenever a round falls there.
    server = await startHardeningServer({ pruneIntervalMs: 1 });
    await server.admin.createUser('ada');
    desktop = await startTestCore({ user: 'ada', issuer: { pair: (user) => server.admin.pair(user, server.url) } });
    const settings: Settings = { startAtLogin: false, platform: 'linux', version: 'test' };
    const shell: ShellActions = {
      openWindow: (...args) => {
        shellCalls.push(['openWindow', ...args]);
      },
      getSettings: () => settings,
      setStartAtLogin: (enabled) => {
        shellCalls.push(['setStartAtLogin', enabled]);
        return settings;
      },
    };
    handlers = createIpcHandlers(desktop.core, shell, {
      onUnexpectedError: (channel, error) => shellCalls.push(['unexpected error', channel, String(error)]),
    });
  }, 60_000);
  afterAll(async () => {
    await desktop?.close();
    await server?.close();
  });

  it(`refuses ${RUNS_PER_CHANNEL} malformed calls on every channel with INVALID_INPUT and changes nothing`, async () => {
    const accountId = desktop.account!.id;
    const key = await server.admin.createKey({ user: 'ada', name: 'fuzzed', mode: 'push', ips: ['10.1.1.1'] });
    const [ip] = await query<{ id: number }>(server.db, 'SELECT id FROM permitted_ips WHERE credential_id = ?', key.id);
    expect((await attempt(server, key.api_key)).status).toBe(202);
    const pending = await waitFor('the request in the queue', () => desktop.core.pending()[0]);

    const state = async () => ({
      accounts: desktop.core.listAccounts().map(({ connection: _c, ...account }) => account),
      pending: desktop.core.pending(),
      history: desktop.core.localHistory({ limit: 1000 }),
      keychain: (await desktop.vault.findCredentials(desktop.service)).map((c) => c.account).sort(),
      signedCalls: (await query<{ n: number }>(server.db, 'SELECT COUNT(*) AS n FROM seen_signatures'))[0]!.n,
    });
    await waitFor('the sweeper to prune the spent pairing code', async () => {
      const [spent] = await query<{ n: number }>(
        server.db,
        'SELECT COUNT(*) AS n FROM pairing_codes WHERE used_at IS NOT NULL',
      );
      return spent?.n === 0;
    });
    const before = await state();
    const serverBefore = await snapshot(server.db);

    const table = positions(accountId, key.id, ip!.id, pending.request.uuid);
    const channels = [...invokeChannels];
    expect(Object.keys(table).sort()).toEqual([...channels].sort());
    const refused: Record<string, number> = {};
    const wrong: string[] = [];
    for (const [index, channel] of channels.entries()) {
      const cases = fc.sample(malformedArgs(table[channel]), { numRuns: RUNS_PER_CHANNEL, seed: seed + index });
      for (const { how, args } of cases) {
        let result: unknown;
        try {
          result = await handlers[channel](...args);
        } catch (error) {
          wrong.push(`${channel} (${how}) threw ${String(error)}`);
          continue;
        }
        const r = result as { ok: boolean; error?: { code: string; message: string } };
        if (r.ok !== false || r.error?.code !== 'INVALID_INPUT' || !r.error.message.startsWith(`${channel}:`)) {
          wrong.push(
            `${channel} (${how}) ${JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)).slice(0, 200)} → ${JSON.stringify(result).slice(0, 200)}`,
          );
        } else {
          refused[channel] = (refused[channel] ?? 0) + 1;
        }
      }
    }
    expect(wrong.slice(0, 40), `${wrong.length} calls were not refused as INVALID_INPUT`).toEqual([]);
    expect(shellCalls).toEqual([]);
    expect(await state()).toEqual(before);
    expect(snapshotDifference(serverBefore, await snapshot(server.db))).toBe('');
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    // The real channels still work after all that: the fuzz did not wedge anything.
    expect(await handlers['approvals:list']()).toEqual({ ok: true, value: desktop.core.pending() });
    const decided = await handlers['approvals:decide'](accountId, pending.request.uuid, { decision: 'APPROVE' });
    expect(decided).toMatchObject({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED' } });
    report('ipc-fuzz', {
      channels: channels.length,
      calls: Object.values(refused).reduce((a, b) => a + b, 0),
      refused_per_channel: refused,
    });
  }, 120_000);
});
