// The bad-input corpus: fast-check arbitraries that produce requests to every endpoint of protocol v1 which the
// server must refuse — malformed bodies, paths, queries and headers, wrong content types, huge and hostile JSON,
// malformed IPs, SQL metacharacters, unicode tricks, prototype-pollution keys, numbers out of range — and messages
// a device must not send on its push stream. Every case is refused by construction: whenever a case is properly
// authenticated, at least one other part of it is wrong.
import fc from 'fast-check';
import type { TestDevice } from '../../support/device.js';

/** What the corpus aims at: real ids, keys and secrets of a prepared server. */
export interface CorpusTargets {
  /** The device whose user owns everything below; its signatures are genuine. */
  alice: TestDevice;
  /** A device of another user. */
  bob: TestDevice;
  pushKey: { id: number; api_key: string };
  ipOnlyKey: { id: number; api_key: string };
  /** A PENDING request of pushKey. */
  pendingUuid: string;
  /** A request of bob's user. */
  bobUuid: string;
  /** The permitted IP "*" of ipOnlyKey. */
  ipItemId: number;
  /** A live session of ipOnlyKey and its token. */
  sessionId: number;
  sessionToken: string;
  introspectionSecret: string;
}

export interface CorpusCase {
  /** Endpoint and the kind of damage, for the report and for failure messages. */
  label: string;
  method: string;
  /** Path and query exactly as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Signed as this device just before sending (signatures carry a timestamp). */
  signAs?: TestDevice;
  /** Device headers replaced after signing: a garbled or forged authentication. */
  afterSign?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values

/** Texts that have broken servers before: SQL, path and format tricks. */
export const SQL_AND_FRIENDS = [
  "' OR '1'='1",
  "'; DROP TABLE credentials; --",
  '" OR ""="',
  '1; SELECT key_hash FROM credentials',
  "') UNION SELECT token_hash, 1, 1 FROM sessions --",
  '%',
  '_',
  '\\',
  '../../../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack (Log4Shell style)
  '${jndi:ldap://x}',
  '{{7*7}}',
  '%s%s%s%n',
  'NULL',
  'undefined',
  'true',
];

/** Characters a prompt must never show: C0/C1 controls, line separators, bidirectional overrides and isolates. */
export const FORBIDDEN_IN_DISPLAY_TEXT = [
  '\u0000',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];

/** Unicode that is fine to show (and must come through intact): scripts, emoji, combining marks. */
export const HARMLESS_UNICODE = ['العربية', 'עברית', '中文', 'Ελληνικά', '👍🏽', 'e\u0301', '𝕏', 'Zoë', '™', '\u00a0'];

export const MALFORMED_IPS = [
  '256.1.1.1',
  '1.2.3',
  '1.2.3.4.5',
  '01.2.3.4',
  '1.2.3.04',
  '-1.2.3.4',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2.3.4/24',
  '1.2.3.4:80',
  '0x7f.0.0.1',
  '127.1',
  '2130706433',
  '::g',
  '1::2::3',
  ':::',
  '1:2:3:4:5:6:7:8:9',
  'fe80::1%eth0',
  '[::1]',
  '::ffff:999.1.1.1',
  '12345::',
  '**',
  '*.*.*.*',
  '',
  'localhost',
  '١٢٧.0.0.1',
  '１.２.３.４',
  "1.2.3.4' OR '1'='1",
];

const CONTROL_CHAR = fc.constantFrom(...FORBIDDEN_IN_DISPLAY_TEXT);
const printable = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });
const anyText = (maxLength: number) =>
  fc.oneof(
    printable(maxLength),
    fc.string({ unit: 'binary', maxLength }),
    fc.constantFrom(...SQL_AND_FRIENDS, ...HARMLESS_UNICODE),
  );

/** Text that contains at least one forbidden character. */
const withControl = fc.tuple(printable(20), CONTROL_CHAR, anyText(20)).map(([a, c, b]) => `${a}${c}${b}`);
const tooLong = (max: number) => fc.nat({ max: 64 }).map((extra) => 'x'.repeat(max + 1 + extra));
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(printable(5), fc.nat(), { maxKeys: 2 }),
);
const notABoolean = fc.oneof(
  fc.constantFrom('true', 'false', 1, 0, null, 'yes', [], {}),
  fc.integer().filter((n) => n !== 0 && n !== 1),
);
/** Field names a parser must not treat as data: prototype keys and other object plumbing. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];
const unknownKey = fc.oneof(fc.constantFrom(...HOSTILE_KEYS, 'admin', 'role', 'user_id', 'status'), printable(12));

/** A field that is deleted from the body. */
const OMIT = Symbol('omit');
type FieldValue = unknown | typeof OMIT;

interface FieldSpec {
  valid: fc.Arbitrary<FieldValue>;
  invalid: fc.Arbitrary<FieldValue>;
}

/**
 * A JSON body with at least one field broken (a wrong value, a missing required field or an unknown extra field),
 * the other fields valid.
 */
function brokenRecord(fields: Record<string, FieldSpec>): fc.Arbitrary<string> {
  const names = Object.keys(fields);
  const valid = fc.record(Object.fromEntries(names.map((n) => [n, fields[n]!.valid])));
  const invalid = fc.record(Object.fromEntries(names.map((n) => [n, fields[n]!.invalid])));
  const extra = fc.tuple(unknownKey, fc.jsonValue({ maxDepth: 2 }));
  return fc
    .tuple(fc.subarray([...names, '(extra)'], { minLength: 1 }), valid, invalid, extra)
    .map(([broken, good, bad, [key, value]]) => {
      const entries: [string, unknown][] = [];
      for (const name of names) {
        const chosen = broken.includes(name) ? bad[name] : good[name];
        if (chosen !== OMIT) entries.push([name, chosen]);
      }
      // The key may be "__proto__": Object.fromEntries makes it an own property, so it is sent. A generated key that
      // happens to name a real field is made unknown, or the extra field would break nothing.
      if (broken.includes('(extra)')) entries.push([names.includes(key) ? `${key}_` : key, value]);
      return JSON.stringify(Object.fromEntries(entries));
    });
}

/** Valid when present, so it is either absent or valid. */
const optional = (arb: fc.Arbitrary<unknown>) => fc.oneof(fc.constant(OMIT), arb);

/** JSON texts that are not a JSON object, or not JSON at all. */
const NOT_AN_OBJECT = ['null', '[]', '[{}]', '"text"', '1', '-0', '1e400', 'true', '[1,2,3]'];
const MALFORMED_JSON = [
  '{',
  '{"a":',
  "{'a':1}",
  '{"a":1,}',
  '[1,2',
  'NaN',
  '{"a":undefined}',
  '{"a":1}}',
  '{"a":"\\x"}',
  '\ufeff{}',
  '{"a":"\u0000"',
  '{"a":01}',
  '{a:1}',
  '\u0000',
  '{"a":1}{"b":2}',
];
/** Prototype pollution in raw JSON, as an attacker writes it. */
const POLLUTION = [
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '{"secret":"x","__proto__":{"status":"ACTIVE"}}',
  '{"a":{"__proto__":{"polluted":1}}}',
  '[{"__proto__":{"polluted":1}}]',
];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/octet-stream',
  'application/jsonp',
  'image/png',
  '*/*',
  ';',
];

/** Damage that makes any body-carrying request unacceptable on its own. */
const transportDamage = fc.oneof(
  fc.constantFrom(...WRONG_CONTENT_TYPES).map((type) => ({ kind: 'content-type', type, body: undefined })),
  fc.constant({ kind: 'no content-type', type: undefined, body: undefined }),
  fc.constantFrom(...NOT_AN_OBJECT).map((body) => ({ kind: 'not an object', type: 'application/json', body })),
  fc.constantFrom(...MALFORMED_JSON).map((body) => ({ kind: 'malformed JSON', type: 'application/json', body })),
  fc.constantFrom(...POLLUTION).map((body) => ({ kind: 'prototype pollution', type: 'application/json', body })),
  fc.tuple(fc.integer({ min: 16 * 1024 + 1, max: 200 * 1024 }), fc.constantFrom('"', '[')).map(([size, fill]) => ({
    kind: 'huge body',
    type: 'application/json',
    body: fill === '"' ? `{"pad":"${'a'.repeat(size)}"}` : `{"pad":${'['.repeat(size / 2)}`,
  })),
  fc.nat({ max: 8000 }).map((depth) => ({
    kind: 'deeply nested',
    type: 'application/json',
    body: `${'['.repeat(depth + 1)}${']'.repeat(depth + 1)}`,
  })),
);

// ---------------------------------------------------------------------------------------------------------------
// Paths and queries

const enc = encodeURIComponent;
/** Path ids that are not positive whole numbers (400), or that name nothing (404). */
const badIdSegment = fc.oneof(
  fc
    .constantFrom('0', '-1', '1.5', '1e3', '0x10', '00001', ' 1', '9'.repeat(17), 'NaN', 'Infinity', 'null', 'abc')
    .map(enc),
  fc.constantFrom(...SQL_AND_FRIENDS, ...HARMLESS_UNICODE, ...FORBIDDEN_IN_DISPLAY_TEXT).map(enc),
  anyText(30)
    .filter((s) => !/^[1-9][0-9]{0,15}$/.test(s))
    .map(enc),
);
const unknownIdSegment = fc.constantFrom('999999', '9007199254740993', '9999999999999999', '4294967297');
const badUuidSegment = fc.oneof(
  fc.constantFrom(
    'not-a-uuid',
    '00000000-0000-0000-0000-00000000000',
    '00000000-0000-4000-8000-0000000000000',
    '{00000000-0000-4000-8000-000000000000}',
    'zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz',
  ),
  fc.constantFrom(...SQL_AND_FRIENDS, ...FORBIDDEN_IN_DISPLAY_TEXT).map(enc),
  anyText(40).map(enc),
);
const unknownUuid = fc.uuid({ version: 4 });

/** A query string with at least one unknown or broken parameter. */
const unknownQuery = fc
  .array(fc.tuple(fc.oneof(unknownKey, fc.constantFrom('wait', 'count', 'a[b]', 'x.y')), anyText(10)), {
    minLength: 1,
    maxLength: 3,
  })
  .map((pairs) => `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`);
const badWait = fc.oneof(
  fc.constantFrom('26', '-1', '1.5', '100', '1e1', 'abc', '', '025', '0x1', ' 1', '25&wait=1'),
  fc.integer({ min: 26 }).map(String),
);
const badHistoryQuery = fc.oneof(
  fc.constantFrom('0', '201', '-1', 'abc', '1e2', '', '1000').map((v) => `?count=${enc(v)}`),
  fc.constantFrom('pending', 'DONE', '', 'ACCEPTED,REJECTED').map((v) => `?status=${enc(v)}`),
  fc.constantFrom('0', '-3', 'x', '1.5').map((v) => `?credential_id=${enc(v)}`),
  badUuidSegment.map((v) => `?older_than=${v}`),
  unknownUuid.map((v) => `?older_than=${v}`),
  unknownQuery,
);

// ---------------------------------------------------------------------------------------------------------------
// Authentication of device calls

type DeviceAuth = 'alice' | 'bob' | 'unsigned' | 'garbled';

function garbledHeaders(): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    fc
      .constantFrom('0', 'abc', '-1', '1e3', '99999999999999999', "1' OR 1=1")
      .map((d) => ({ 'x-countersign-device': d })),
    fc.constantFrom('abc', '', '1e12', '-5', '9'.repeat(20)).map((t) => ({ 'x-countersign-timestamp': t })),
    fc.oneof(printable(100), fc.constantFrom('A'.repeat(86), '+'.repeat(86), `${'A'.repeat(85)}=`)).map((s) => ({
      'x-countersign-signature': s,
    })),
  );
}

interface DeviceCallParts {
  method: string;
  path: string;
  body?: string;
  label: string;
}

/**
 * A device call: properly signed by alice only when `alreadyBroken` (a wrong path, query or body); otherwise
 * signed by bob (not allowed here), unsigned, or with garbled device headers.
 */
function deviceCall(
  t: CorpusTargets,
  broken: fc.Arbitrary<DeviceCallParts>,
  anyParts: fc.Arbitrary<DeviceCallParts>,
): fc.Arbitrary<CorpusCase> {
  const authOnly = fc.tuple(anyParts, fc.constantFrom<DeviceAuth>('bob', 'unsigned', 'garbled'), garbledHeaders());
  return fc.oneof(
    { weight: 3, arbitrary: broken.map((parts) => toCase(t, parts, 'alice', {})) },
    { weight: 1, arbitrary: authOnly.map(([parts, auth, garbled]) => toCase(t, parts, auth, garbled)) },
  );
}

function toCase(
  t: CorpusTargets,
  parts: DeviceCallParts,
  auth: DeviceAuth,
  garbled: Record<string, string>,
): CorpusCase {
  return {
    label: `${parts.label} [${auth}]`,
    method: parts.method,
    path: parts.path,
    headers: parts.body === undefined ? {} : { 'content-type': 'application/json' },
    body: parts.body,
    signAs: auth === 'alice' ? t.alice : auth === 'bob' ? t.bob : auth === 'garbled' ? t.alice : undefined,
    afterSign: auth === 'garbled' ? garbled : undefined,
  };
}

/** Adds transport damage (wrong content type, hostile JSON, huge body) to a body-carrying case, sometimes. */
function withTransportDamage(arb: fc.Arbitrary<CorpusCase>): fc.Arbitrary<CorpusCase> {
  return fc.tuple(arb, fc.option(transportDamage, { freq: 4 })).map(([c, damage]) => {
    if (!damage || c.body === undefined) return c;
    const headers = { ...c.headers };
    if (damage.type === undefined) delete headers['content-type'];
    else headers['content-type'] = damage.type;
    return { ...c, label: `${c.label} + ${damage.kind}`, headers, body: damage.body ?? c.body };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoints

export function corpus(t: CorpusTargets): { name: string; arbitrary: fc.Arbitrary<CorpusCase> }[] {
  const user = t.alice.userId;
  const bobUser = t.bob.userId;
  const realSecret = fc.constantFrom(t.pushKey.api_key, t.ipOnlyKey.api_key);
  const unknownSecret = fc
    .oneof(
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 512 }),
      fc.constantFrom(...SQL_AND_FRIENDS),
      fc.base64String({ minLength: 4, maxLength: 60 }).map((s) => `csk_${s}`),
    )
    .filter((s) => s !== t.pushKey.api_key && s !== t.ipOnlyKey.api_key);
  const okDescription = optional(fc.oneof(printable(200), fc.constantFrom(...HARMLESS_UNICODE, ...SQL_AND_FRIENDS)));
  const badDescription = fc.oneof(withControl, tooLong(200), notAString);

  const sessionServer = withTransportDamage(
    fc
      .tuple(
        fc.oneof(
          // Well formed, but no such key: 401.
          fc
            .record({ secret: unknownSecret, description: okDescription })
            .map((b) => ({ label: 'unknown key', body: JSON.stringify(dropOmitted(b)) })),
          // A real key with a broken field: 400, nobody is asked.
          brokenRecord({
            secret: {
              valid: realSecret,
              invalid: fc.oneof(fc.constant(''), tooLong(512), notAString, fc.constant(OMIT)),
            },
            description: { valid: okDescription, invalid: badDescription },
          }).map((body) => ({ label: 'broken field', body })),
        ),
        fc.record({
          geo: fc.option(anyText(60).filter((s) => !/[\r\n\0]/.test(s) && /^[\x20-\x7e]*$/.test(s))),
          agent: fc.option(printable(300)),
        }),
      )
      .map(([{ label, body }, { geo, agent }]) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (geo !== null) headers['x-bunq-geolocation'] = geo;
        if (agent !== null) headers['user-agent'] = agent;
        return { label: `POST session-server: ${label}`, method: 'POST', path: '/v1/session-server', headers, body };
      }),
  );

  // GET status: a valid uuid with its own key is only ever paired with a broken query.
  const statusRead = fc
    .tuple(
      fc.oneof(fc.constant(t.pendingUuid), unknownUuid, badUuidSegment, fc.constant(t.bobUuid)),
      fc.oneof(
        fc.constant(''),
        badWait.map((w) => `?wait=${enc(w)}`),
        unknownQuery,
      ),
      fc.oneof(realSecret, unknownSecret, fc.constant(undefined), fc.constant(t.sessionToken)),
    )
    .filter(([uuid, query, key]) => !(uuid === t.pendingUuid && key === t.pushKey.api_key && query === ''))
    .map(
      ([uuid, query, key]): CorpusCase => ({
        label: 'GET session-server-request',
        method: 'GET',
        path: `/v1/session-server-request/${uuid}${query}`,
        headers: key === undefined ? {} : { 'x-bunq-client-authentication': key.replace(/[^\x20-\x7e]/g, '?') },
      }),
    );

  // Canonical base64url of 64 bytes: the last character's 4 unused bits zero.
  const signature86 = fc.stringMatching(/^[A-Za-z0-9_-]{85}[AQgw]$/);
  const decisionBody = fc.oneof(
    // Well formed, but the decision signature verifies with no key (random bytes): 400.
    fc
      .record({
        decision: fc.constantFrom('APPROVE', 'BLOCK'),
        signature: signature86,
      })
      .map((b) => JSON.stringify(b)),
    brokenRecord({
      decision: {
        valid: fc.constantFrom('APPROVE', 'BLOCK'),
        invalid: fc.oneof(fc.constantFrom('approve', 'ALLOW', 'DENY', '', OMIT), notAString),
      },
      binding_code: {
        valid: optional(fc.stringMatching(/^[0-9]{2}$/)),
        invalid: fc.oneof(fc.constantFrom('1', '123', 'ab', '1 ', '٠١'), fc.integer()),
      },
      trust_ip: { valid: optional(fc.constant(false)), invalid: notABoolean },
      deactivate_credential: { valid: optional(fc.constant(false)), invalid: notABoolean },
      signature: {
        valid: signature86,
        invalid: fc.oneof(
          fc.constantFrom(
            OMIT,
            '',
            'A'.repeat(85),
            'A'.repeat(87),
            `${'A'.repeat(84)}==`,
            '+'.repeat(86),
            'B'.repeat(86),
          ),
          notAString,
        ),
      },
    }),
    signature86.map((signature) => JSON.stringify({ decision: 'APPROVE', deactivate_credential: true, signature })),
    signature86.map((signature) => JSON.stringify({ decision: 'BLOCK', trust_ip: true, signature })),
  );
  const decisionUuid = fc.oneof(fc.constant(t.pendingUuid), unknownUuid, fc.constant(t.bobUuid));
  const decision = withTransportDamage(
    deviceCall(
      t,
      fc.oneof(
        fc.tuple(decisionUuid, decisionBody).map(([uuid, body]) => ({
          label: 'POST decision: body',
          method: 'POST',
          path: `/v1/session-server-request/${uuid}/decision`,
          body,
        })),
        fc.tuple(badUuidSegment, decisionBody).map(([uuid, body]) => ({
          label: 'POST decision: uuid',
          method: 'POST',
          path: `/v1/session-server-request/${uuid}/decision`,
          body,
        })),
      ),
      fc.tuple(decisionUuid, decisionBody).map(([uuid, body]) => ({
        label: 'POST decision',
        method: 'POST',
        path: `/v1/session-server-request/${uuid}/decision`,
        body,
      })),
    ),
  );

  // Pairing: no valid code is ever sent, so every attempt is refused, broken or not.
  const pairingCodeLike = fc.stringMatching(
    /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/,
  );
  // Canonical base64url of 32 bytes: the last character's 2 unused bits zero.
  const publicKey = fc.stringMatching(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/);
  const pairing = withTransportDamage(
    brokenRecord({
      pairing_code: {
        valid: pairingCodeLike,
        invalid: fc.oneof(
          fc.constantFrom('K7QF3MZPWX9DHR2T', 'K7QF-3MZP-WX9D-HR2', 'I0O1-AAAA-BBBB-CCCC', OMIT),
          anyText(30),
        ),
      },
      public_key: {
        valid: publicKey,
        invalid: fc.oneof(
          fc.constantFrom('A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}=`, 'B'.repeat(43), OMIT),
          notAString,
        ),
      },
      name: {
        valid: fc.oneof(
          printable(100).filter((s) => s.length > 0),
          fc.constantFrom(...SQL_AND_FRIENDS),
        ),
        invalid: fc.oneof(fc.constant(''), withControl, tooLong(100), notAString, fc.constant(OMIT)),
      },
      platform: {
        valid: fc.constantFrom('linux', 'darwin', 'win32', 'other'),
        invalid: fc.oneof(fc.constantFrom('Linux', 'android', '', OMIT), notAString),
      },
    }).map((body) => ({
      label: 'POST approver-device: broken field',
      method: 'POST',
      path: '/v1/approver-device',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  );
  const pairingWellFormed = fc
    .record({
      pairing_code: pairingCodeLike,
      public_key: publicKey,
      name: printable(100).filter((s) => s.length > 0),
      platform: fc.constant('linux'),
    })
    .map((b) => ({
      label: 'POST approver-device: unknown code',
      method: 'POST',
      path: '/v1/approver-device',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(b),
    }));

  // Bob may sign, but only ever for alice's things: with his own user in the path his calls would be valid.
  const userSegment = fc.oneof(fc.constant(String(user)), badIdSegment);
  const otherOrBadUser = fc.oneof(fc.constant(String(bobUser)), badIdSegment, unknownIdSegment);

  const pairingCode = withTransportDamage(
    deviceCall(
      t,
      fc.oneof(
        // Own user, but a body where none or {} belongs.
        fc
          .oneof(
            fc
              .dictionary(unknownKey, fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 3 })
              .map((d) => JSON.stringify(d)),
            fc.constantFrom(...NOT_AN_OBJECT),
          )
          .map((body) => ({
            label: 'POST pairing-code: body',
            method: 'POST',
            path: `/v1/user/${user}/pairing-code`,
            body,
          })),
        otherOrBadUser.map((u) => ({
          label: 'POST pairing-code: user',
          method: 'POST',
          path: `/v1/user/${u}/pairing-code`,
        })),
        unknownQuery.map((q) => ({
          label: 'POST pairing-code: query',
          method: 'POST',
          path: `/v1/user/${user}/pairing-code${q}`,
        })),
      ),
      userSegment.map((u) => ({ label: 'POST pairing-code', method: 'POST', path: `/v1/user/${u}/pairing-code` })),
    ),
  );

  const credentialBase = (u: string) => `/v1/user/${u}/credential-password-ip`;
  const credentialItem = fc.oneof(
    fc.constant(String(t.pushKey.id)),
    fc.constant(String(t.ipOnlyKey.id)),
    badIdSegment,
    unknownIdSegment,
  );
  const credentialReads = deviceCall(
    t,
    fc.oneof(
      otherOrBadUser.map((u) => ({ label: 'GET credentials: user', method: 'GET', path: credentialBase(u) })),
      unknownQuery.map((q) => ({
        label: 'GET credentials: query',
        method: 'GET',
        path: `${credentialBase(String(user))}${q}`,
      })),
      fc
        .oneof(badIdSegment, unknownIdSegment)
        .map((id) => ({ label: 'GET credential: item', method: 'GET', path: `${credentialBase(String(user))}/${id}` })),
      fc.tuple(credentialItem, unknownQuery).map(([id, q]) => ({
        label: 'GET credential: query',
        method: 'GET',
        path: `${credentialBase(String(user))}/${id}${q}`,
      })),
    ),
    fc.tuple(userSegment, fc.option(credentialItem)).map(([u, id]) => ({
      label: 'GET credential(s)',
      method: 'GET',
      path: id === null ? credentialBase(u) : `${credentialBase(u)}/${id}`,
    })),
  );

  const keyName = {
    valid: fc.oneof(
      printable(100).filter((s) => s.length > 0),
      fc.constantFrom(...SQL_AND_FRIENDS, ...HARMLESS_UNICODE),
    ),
    invalid: fc.oneof(fc.constant(''), withControl, tooLong(100), notAString),
  };
  const mode = {
    valid: fc.constantFrom('ip-only', 'push', 'push-unless-trusted'),
    invalid: fc.oneof(fc.constantFrom('PUSH', 'ip_only', 'push-unless', '', 'none'), notAString),
  };
  const ipList = {
    valid: optional(fc.array(fc.constantFrom('10.0.0.1', '::1', '*', '2001:db8::7'), { maxLength: 3 })),
    invalid: fc.oneof(
      fc.array(fc.constantFrom(...MALFORMED_IPS), { minLength: 1, maxLength: 3 }),
      fc.constant(Array.from({ length: 101 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}`)),
      notAString.filter((v) => !Array.isArray(v)),
    ),
  };
  const credentialCreate = withTransportDamage(
    deviceCall(
      t,
      fc.oneof(
        brokenRecord({
          name: { ...keyName, invalid: fc.oneof(keyName.invalid, fc.constant(OMIT)) },
          mode: { ...mode, invalid: fc.oneof(mode.invalid, fc.constant(OMIT)) },
          number_matching: { valid: optional(fc.boolean()), invalid: notABoolean },
          ips: ipList,
        }).map((body) => ({
          label: 'POST credential: body',
          method: 'POST',
          path: credentialBase(String(user)),
          body,
        })),
        otherOrBadUser.map((u) => ({
          label: 'POST credential: user',
          method: 'POST',
          path: credentialBase(u),
          body: JSON.stringify({ name: 'x', mode: 'push' }),
        })),
      ),
      fc.tuple(userSegment, fc.jsonValue({ maxDepth: 2 })).map(([u, v]) => ({
        label: 'POST credential',
        method: 'POST',
        path: credentialBase(u),
        body: JSON.stringify(v),
      })),
    ),
  );

  const credentialUpdate = withTransportDamage(
    deviceCall(
      t,
      fc.oneof(
        fc
          .tuple(
            credentialItem,
            brokenRecord({
              status: {
                valid: optional(fc.constantFrom('ACTIVE', 'INACTIVE')),
                invalid: fc.oneof(fc.constantFrom('LOCKED', 'PENDING_FIRST_USE', 'active', ''), notAString),
              },
              mode: { valid: optional(mode.valid), invalid: mode.invalid },
              name: { valid: optional(keyName.valid), invalid: keyName.invalid },
              number_matching: { valid: optional(fc.boolean()), invalid: notABoolean },
            }),
          )
          .map(([id, body]) => ({
            label: 'PUT credential: body',
            method: 'PUT',
            path: `${credentialBase(String(user))}/${id}`,
            body,
          })),
        credentialItem.map((id) => ({
          label: 'PUT credential: empty',
          method: 'PUT',
          path: `${credentialBase(String(user))}/${id}`,
          body: '{}',
        })),
        fc
          .tuple(
            fc.oneof(badIdSegment, unknownIdSegment),
            fc.constantFrom('{"status":"INACTIVE"}', '{"name":"renamed"}'),
          )
          .map(([id, body]) => ({
            label: 'PUT credential: item',
            method: 'PUT',
            path: `${credentialBase(String(user))}/${id}`,
            body,
          })),
      ),
      fc.tuple(userSegment, credentialItem, fc.jsonValue({ maxDepth: 2 })).map(([u, id, v]) => ({
        label: 'PUT credential',
        method: 'PUT',
        path: `${credentialBase(u)}/${id}`,
        body: JSON.stringify(v),
      })),
    ),
  );

  const ipBase = (u: string, c: string) => `${credentialBase(u)}/${c}/ip`;
  const ipCredential = fc.oneof(fc.constant(String(t.ipOnlyKey.id)), fc.constant(String(t.pushKey.id)));
  const ipRoutes = withTransportDamage(
    deviceCall(
      t,
      fc.oneof(
        // Adding: the IP is always malformed, or the status is, or there is an unknown field.
        fc
          .tuple(
            ipCredential,
            brokenRecord({
              ip: {
                valid: fc.constantFrom(...MALFORMED_IPS),
                invalid: fc.oneof(fc.constantFrom(...MALFORMED_IPS), notAString, fc.constant(OMIT)),
              },
              status: {
                valid: optional(fc.constantFrom('ACTIVE', 'INACTIVE')),
                invalid: fc.oneof(fc.constantFrom('active', 'DELETED', ''), notAString),
              },
            }),
          )
          .map(([c, body]) => ({ label: 'POST ip: body', method: 'POST', path: ipBase(String(user), c), body })),
        fc
          .tuple(fc.oneof(badIdSegment, unknownIdSegment), fc.constantFrom('{"ip":"10.9.9.9"}', '{"ip":"*"}'))
          .map(([c, body]) => ({
            label: 'POST ip: credential',
            method: 'POST',
            path: ipBase(String(user), c),
            body,
          })),
        fc
          .tuple(otherOrBadUser, ipCredential)
          .map(([u, c]) => ({ label: 'GET ips: user', method: 'GET', path: ipBase(u, c) })),
        fc
          .tuple(fc.oneof(badIdSegment, unknownIdSegment))
          .map(([c]) => ({ label: 'GET ips: credential', method: 'GET', path: ipBase(String(user), c) })),
        unknownQuery.map((q) => ({
          label: 'GET ips: query',
          method: 'GET',
          path: `${ipBase(String(user), String(t.ipOnlyKey.id))}${q}`,
        })),
        fc.oneof(badIdSegment, unknownIdSegment).map((item) => ({
          label: 'GET ip: item',
          method: 'GET',
          path: `${ipBase(String(user), String(t.ipOnlyKey.id))}/${item}`,
        })),
        // Changing: the stored address can only be repeated, never changed; wrong statuses; unknown fields.
        brokenRecord({
          status: {
            valid: fc.constantFrom('ACTIVE', 'INACTIVE'),
            invalid: fc.oneof(fc.constantFrom('active', 'REMOVED', '', OMIT), notAString),
          },
          ip: {
            valid: fc.constantFrom('10.1.1.1', '::2', '127.0.0.1'),
            invalid: fc.oneof(fc.constantFrom(...MALFORMED_IPS), notAString),
          },
        }).map((body) => ({
          label: 'PUT ip: body',
          method: 'PUT',
          path: `${ipBase(String(user), String(t.ipOnlyKey.id))}/${t.ipItemId}`,
          body,
        })),
        fc.tuple(fc.oneof(badIdSegment, unknownIdSegment)).map(([item]) => ({
          label: 'PUT ip: item',
          method: 'PUT',
          path: `${ipBase(String(user), String(t.ipOnlyKey.id))}/${item}`,
          body: '{"status":"INACTIVE"}',
        })),
        fc.tuple(ipCredential.filter((c) => c !== String(t.ipOnlyKey.id))).map(([c]) => ({
          label: 'PUT ip: other credential',
          method: 'PUT',
          path: `${ipBase(String(user), c)}/${t.ipItemId}`,
          body: '{"status":"INACTIVE"}',
        })),
      ),
      fc.tuple(userSegment, ipCredential, fc.option(fc.constant(String(t.ipItemId)))).map(([u, c, item]) => ({
        label: 'ip routes',
        method: item === null ? 'POST' : 'PUT',
        path: item === null ? ipBase(u, c) : `${ipBase(u, c)}/${item}`,
        body: item === null ? '{"ip":"10.2.2.2"}' : '{"status":"INACTIVE"}',
      })),
    ),
  );

  const history = deviceCall(
    t,
    fc.oneof(
      badHistoryQuery.map((q) => ({
        label: 'GET history: query',
        method: 'GET',
        path: `/v1/user/${user}/session-server-request${q}`,
      })),
      fc.constant({
        label: 'GET history: older_than of another user',
        method: 'GET',
        path: `/v1/user/${user}/session-server-request?older_than=${t.bobUuid}`,
      }),
      otherOrBadUser.map((u) => ({
        label: 'GET history: user',
        method: 'GET',
        path: `/v1/user/${u}/session-server-request`,
      })),
    ),
    fc.tuple(userSegment, fc.oneof(fc.constant(''), badHistoryQuery)).map(([u, q]) => ({
      label: 'GET history',
      method: 'GET',
      path: `/v1/user/${u}/session-server-request${q}`,
    })),
  );

  const introspect = withTransportDamage(
    fc.oneof(
      fc
        .tuple(
          fc.oneof(
            fc.constant(undefined),
            fc.constantFrom('Bearer', 'Bearer ', `bearer ${t.introspectionSecret}`, `Basic ${t.introspectionSecret}`),
            printable(80).map((s) => `Bearer ${s}`),
          ),
          fc.oneof(
            fc
              .record({
                token: fc.oneof(
                  printable(100).filter((s) => s.length > 0),
                  fc.constant(t.sessionToken),
                ),
              })
              .map((b) => JSON.stringify(b)),
            brokenRecord({
              token: {
                valid: fc.constant(t.sessionToken),
                invalid: fc.oneof(fc.constant(''), tooLong(512), notAString, fc.constant(OMIT)),
              },
            }),
          ),
        )
        .map(([authorization, body]) => ({
          label: `POST introspect: ${authorization === undefined ? 'no secret' : 'wrong secret'}`,
          method: 'POST',
          path: '/v1/session-server/introspect',
          headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
          body,
        })),
      brokenRecord({
        token: {
          valid: fc.constant(t.sessionToken),
          invalid: fc.oneof(fc.constant(''), tooLong(512), notAString, fc.constant(OMIT)),
        },
      }).map((body) => ({
        label: 'POST introspect: body',
        method: 'POST',
        path: '/v1/session-server/introspect',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.introspectionSecret}` },
        body,
      })),
    ),
  );

  const endSession = fc
    .tuple(
      fc.oneof(fc.constant(String(t.sessionId)), badIdSegment, unknownIdSegment),
      fc.oneof(fc.constant(undefined), printable(80), realSecret, fc.constant(t.sessionToken)),
      fc.option(fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v))),
    )
    .filter(([id, token, body]) => !(id === String(t.sessionId) && token === t.sessionToken && body === null))
    .map(([id, token, body]) => ({
      label: 'DELETE session-server',
      method: 'DELETE',
      path: `/v1/session-server/${id}`,
      headers: {
        ...(token === undefined ? {} : { 'x-bunq-client-authentication': token }),
        ...(body === null ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === null ? {} : { body }),
    }));

  const devices = deviceCall(
    t,
    fc.oneof(
      fc.oneof(fc.constant(String(t.bob.id)), badIdSegment, unknownIdSegment).map((id) => ({
        label: 'DELETE approver-device',
        method: 'DELETE',
        path: `/v1/approver-device/${id}`,
      })),
      fc
        .tuple(
          fc.oneof(fc.constant(String(user)), otherOrBadUser),
          fc.oneof(fc.constant(String(t.bob.id)), badIdSegment, unknownIdSegment),
        )
        .map(([u, id]) => ({
          label: 'DELETE user approver-device',
          method: 'DELETE',
          path: `/v1/user/${u}/approver-device/${id}`,
        })),
      otherOrBadUser.map((u) => ({
        label: 'GET approver-devices: user',
        method: 'GET',
        path: `/v1/user/${u}/approver-device`,
      })),
      unknownQuery.map((q) => ({
        label: 'GET approver-devices: query',
        method: 'GET',
        path: `/v1/user/${user}/approver-device${q}`,
      })),
      fc.constantFrom(...NOT_AN_OBJECT, '{}').map((body) => ({
        label: 'DELETE approver-device: body',
        method: 'DELETE',
        path: `/v1/approver-device/${t.alice.id}`,
        body,
      })),
    ),
    fc.oneof(fc.constant(String(t.alice.id)), badIdSegment).map((id) => ({
      label: 'DELETE approver-device',
      method: 'DELETE',
      path: `/v1/approver-device/${id}`,
    })),
  );

  // The stream URL over plain HTTP (no upgrade), and paths and methods the API does not have.
  const strays = fc.oneof(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH').map((method) => ({
      label: 'stream without upgrade',
      method,
      path: `/v1/approver-device/${t.alice.id}/stream`,
      headers: {},
      signAs: t.alice,
    })),
    fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        fc.constantFrom(
          '/',
          '/v1',
          '/v1/',
          '/v2/session-server',
          '/v1/session-server/',
          '/V1/session-server',
          '/v1//session-server',
          '/v1/session-server/../openapi.json',
          '/.env',
          '/v1/user',
          '/v1/user/1',
          '/v1/session-server-request',
          '/v1/session-server-request/',
          '/v1/approver-device/1/stream/x',
          '/openapi.json/x',
          '/%2e%2e/%2e%2e/etc/passwd',
        ),
      )
      .map(([method, path]) => ({ label: 'unknown route', method, path, headers: {} })),
    fc.constantFrom('PATCH', 'OPTIONS', 'TRACE').map((method) => ({
      label: 'method not offered',
      method,
      path: '/v1/session-server',
      headers: {},
    })),
  );

  return [
    { name: 'POST /v1/session-server', arbitrary: sessionServer },
    { name: 'GET /v1/session-server-request/{uuid}', arbitrary: statusRead },
    { name: 'POST /v1/session-server-request/{uuid}/decision', arbitrary: decision },
    { name: 'POST /v1/approver-device', arbitrary: fc.oneof(pairing, withTransportDamage(pairingWellFormed)) },
    { name: 'POST /v1/user/{id}/pairing-code', arbitrary: pairingCode },
    { name: 'GET /v1/user/{id}/credential-password-ip[/{id}]', arbitrary: credentialReads },
    { name: 'POST /v1/user/{id}/credential-password-ip', arbitrary: credentialCreate },
    { name: 'PUT /v1/user/{id}/credential-password-ip/{id}', arbitrary: credentialUpdate },
    { name: 'GET|POST|PUT …/credential-password-ip/{id}/ip[/{id}]', arbitrary: ipRoutes },
    { name: 'GET /v1/user/{id}/session-server-request', arbitrary: history },
    { name: 'POST /v1/session-server/introspect', arbitrary: introspect },
    { name: 'DELETE /v1/session-server/{id}', arbitrary: endSession },
    { name: 'approver-device list and removal', arbitrary: devices },
    { name: 'stream over HTTP, unknown routes and methods', arbitrary: strays },
  ];
}

function dropOmitted(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== OMIT));
}

// ---------------------------------------------------------------------------------------------------------------
// Push stream messages

export interface StreamCase {
  label: string;
  /** Frames sent before the bad one; valid pongs that must not close the stream. */
  harmless: string[];
  frame: string | Buffer;
  binary: boolean;
  /**
   * What the WebSocket layer itself refuses before the app sees the frame, with RFC 6455's code: larger than the
   * 64 KiB frame limit (1009) or a text frame that is not UTF-8 (1007).
   */
  transportClose: 1009 | 1007 | null;
}

const anyInt = fc.integer({ min: -1e15, max: 1e15 });

export const streamCorpus: fc.Arbitrary<StreamCase> = fc
  .tuple(
    fc.array(
      anyInt.map((t) => JSON.stringify({ type: 'pong', t })),
      { maxLength: 2 },
    ),
    fc.oneof(
      fc.constantFrom(...MALFORMED_JSON).map((f) => ({ label: 'malformed JSON', frame: f })),
      fc.constantFrom(...NOT_AN_OBJECT, '{}').map((f) => ({ label: 'not a message object', frame: f })),
      fc.constantFrom(...POLLUTION).map((f) => ({ label: 'prototype pollution', frame: f })),
      fc
        .constantFrom('{"type":"pong","t":1,"__proto__":{"x":1}}', '{"type":"pong","t":1,"constructor":{}}')
        .map((f) => ({
          label: 'pong with a hostile key',
          frame: f,
        })),
      fc
        .oneof(
          fc.constantFrom(
            'hello',
            'ping',
            'approval.requested',
            'approval.resolved',
            'decision',
            'PONG',
            '',
            '__proto__',
          ),
          printable(30).filter((s) => s !== 'pong'),
        )
        .map((type) => ({ label: 'unknown type', frame: JSON.stringify({ type, t: 1 }) })),
      fc
        .oneof(
          fc.constantFrom('"1"', '1.5', 'null', '1e400', '[]', '{}', 'true', '9007199254740993.5'),
          fc.double({ noInteger: true }).map((d) => JSON.stringify(d)),
        )
        .map((t) => ({ label: 'pong with a bad t', frame: `{"type":"pong","t":${t}}` })),
      fc.constant({ label: 'pong without t', frame: '{"type":"pong"}' }),
      fc
        .tuple(
          unknownKey.filter((k) => k !== 'type' && k !== 't'),
          fc.jsonValue({ maxDepth: 1 }),
        )
        .map(([key, value]) => ({
          label: 'pong with an extra field',
          frame: JSON.stringify(
            Object.fromEntries([
              ['type', 'pong'],
              ['t', 1],
              [key, value],
            ]),
          ),
        })),
      fc.string({ unit: 'binary', maxLength: 200 }).map((f) => ({ label: 'random text', frame: f })),
      fc.nat({ max: 60_000 }).map((n) => ({
        label: 'large text under the frame limit',
        frame: `{"type":"pong","t":1,"pad":"${'x'.repeat(n)}"}`,
      })),
    ),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant('text' as const) },
      { weight: 1, arbitrary: fc.constant('binary' as const) },
      { weight: 1, arbitrary: fc.constant('oversize' as const) },
      { weight: 1, arbitrary: fc.constant('not utf-8' as const) },
    ),
    fc.uint8Array({ minLength: 1, maxLength: 64 }),
  )
  .filter(([, { frame }]) => !isValidPong(frame))
  .map(([harmless, { label, frame }, shape, bytes]): StreamCase => {
    if (shape === 'binary') {
      // Binary frames are refused whatever they hold, even a valid pong.
      const content = bytes[0]! % 2 === 0 ? Buffer.from('{"type":"pong","t":1}') : Buffer.from(bytes);
      return { label: 'binary frame', harmless, frame: content, binary: true, transportClose: null };
    }
    if (shape === 'oversize') {
      const big = 'x'.repeat(64 * 1024 + 1 + bytes.length);
      return { label: 'frame over 64 KiB', harmless, frame: big, binary: false, transportClose: 1009 };
    }
    if (shape === 'not utf-8') {
      // An overlong NUL and a byte that never occurs in UTF-8, inside what claims to be text.
      const bad = Buffer.concat([Buffer.from('{"type":"pong","t":'), Buffer.from([0xc0, 0x80, 0xff]), bytes]);
      return { label: 'text frame that is not UTF-8', harmless, frame: bad, binary: false, transportClose: 1007 };
    }
    return { label, harmless, frame, binary: false, transportClose: null };
  });

/** The one message a device may send: {"type":"pong","t":<integer>} and nothing else. */
function isValidPong(frame: string): boolean {
  try {
    const parsed = JSON.parse(frame) as Record<string, unknown>;
    return (
      parsed !== null &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      Object.keys(parsed).length === 2 &&
      parsed.type === 'pong' &&
      Number.isInteger(parsed.t)
    );
  } catch {
    return false;
  }
}
