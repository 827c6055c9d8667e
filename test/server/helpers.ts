// Shared steps of the server tests: a server with one user, a paired device and its open push stream; requester
// calls as any HTTP client would make them; a read-only look into the database (SQLite file or PostgreSQL).
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import {
  type KeyMode,
  SessionServerOpened,
  SessionServerPending,
  SessionServerRequestRead,
} from '../../protocol/index.js';
import { TestDevice, type TestStream } from '../support/device.js';
import { queryUrl } from '../support/postgres.js';
import {
  type HttpReply,
  http,
  startTestServer,
  storeOf,
  type TestServer,
  type TestServerOptions,
} from '../support/server.js';

export interface World {
  server: TestServer;
  user: { id: number; name: string };
  device: TestDevice;
  stream: TestStream;
  close(): Promise<void>;
}

/** A running server, user "alice", one paired device with its push stream open (hello already taken). */
export async function world(options: TestServerOptions = {}, userName = 'alice'): Promise<World> {
  const server = await startTestServer(options);
  const user = await server.admin.createUser(userName);
  const device = await TestDevice.pair(server.url, (await server.admin.pair(userName)).code, `${userName}-laptop`);
  const stream = await device.connect();
  await stream.next('hello');
  return {
    server,
    user,
    device,
    stream,
    close: async () => {
      await stream.close();
      await server.close();
    },
  };
}

export function createKey(
  w: World,
  mode: KeyMode,
  extra: { ips?: string[]; numberMatching?: boolean; codeLength?: number; name?: string } = {},
): Promise<{ id: number; api_key: string }> {
  return w.server.admin.createKey({ user: w.user.name, name: extra.name ?? `${mode} key`, mode, ...extra });
}

export interface AttemptOptions {
  localAddress?: string;
  description?: string;
  headers?: Record<string, string>;
}

let attempts = 0;

/**
 * POST /v1/session-server as a requester. Each attempt is its own job, with a User-Agent of its own, unless the
 * test gives one: identical attempts (same key, address, description and User-Agent) merge into one request.
 */
export function attempt(server: TestServer, apiKey: string, options: AttemptOptions = {}): Promise<HttpReply> {
  attempts += 1;
  const headers = { ...options.headers };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent')) {
    headers['user-agent'] = `server-test/${attempts}`;
  }
  return http(`${server.url}/v1/session-server`, {
    method: 'POST',
    body: { secret: apiKey, ...(options.description !== undefined ? { description: options.description } : {}) },
    localAddress: options.localAddress,
    headers,
  });
}

/** An attempt that must be held for approval; returns the SessionServerRequest. */
export async function pendingAttempt(server: TestServer, apiKey: string, options: AttemptOptions = {}) {
  const reply = await attempt(server, apiKey, options);
  expect(reply.status, reply.text).toBe(202);
  return SessionServerPending.parse(reply.json).Response[0].SessionServerRequest;
}

/** An attempt that must open at once; returns the parsed 200 reply. */
export async function openedAttempt(server: TestServer, apiKey: string, options: AttemptOptions = {}) {
  const reply = await attempt(server, apiKey, options);
  expect(reply.status, reply.text).toBe(200);
  return SessionServerOpened.parse(reply.json);
}

/** GET /v1/session-server-request/{uuid}[?wait=N] as the requester. */
export function readStatus(server: TestServer, uuid: string, apiKey: string, wait?: number): Promise<HttpReply> {
  const query = wait === undefined ? '' : `?wait=${wait}`;
  return http(`${server.url}/v1/session-server-request/${uuid}${query}`, {
    headers: { 'x-bunq-client-authentication': apiKey },
  });
}

export async function readStatusOk(server: TestServer, uuid: string, apiKey: string, wait?: number) {
  const reply = await readStatus(server, uuid, apiKey, wait);
  expect(reply.status, reply.text).toBe(200);
  return SessionServerRequestRead.parse(reply.json);
}

/** The error_description of a bunq Error envelope. */
export function errorText(reply: HttpReply): string {
  const body = reply.json as { Error?: { error_description: string }[] } | undefined;
  return body?.Error?.[0]?.error_description ?? `(not an error envelope: ${reply.text})`;
}

/** A database to look into: a test server, or anything with its --db (a SQLite file path or a postgres:// URL). */
export type DbRef = Pick<TestServer, 'db'> | string;

const dbOf = (ref: DbRef): string => (typeof ref === 'string' ? ref : ref.db);

/**
 * Runs one read-only query on the database, as an operator would look into it: SQLite opens the file read-only,
 * PostgreSQL a connection of its own. Write the SQL so that both dialects take it, with ? for parameters.
 */
export async function queryDb<T extends Record<string, unknown>>(
  ref: DbRef,
  sql: string,
  ...params: unknown[]
): Promise<T[]> {
  const db = dbOf(ref);
  if (storeOf(db) === 'postgres') {
    let n = 0;
    return queryUrl<T>(
      db,
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
  }
  const file = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return file.prepare(sql).all(...params) as T[];
  } finally {
    file.close();
  }
}

/** How many rows a table has (a number on both stores: PostgreSQL's COUNT is a bigint). */
export async function countRows(ref: DbRef, table: string, where = '', ...params: unknown[]): Promise<number> {
  const [row] = await queryDb<{ n: number | string }>(
    ref,
    `SELECT COUNT(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`,
    ...params,
  );
  return Number(row!.n);
}

/** Every table, in name order. */
async function tableNames(db: string): Promise<string[]> {
  const rows =
    storeOf(db) === 'postgres'
      ? await queryDb<{ name: string }>(
          db,
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
        )
      : await queryDb<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return rows.map((row) => row.name);
}

/** ORDER BY for a PostgreSQL table: its primary key columns (else its first column), so a snapshot is stable. */
async function postgresOrder(db: string, table: string): Promise<string> {
  const keys = await queryDb<{ name: string }>(
    db,
    `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = ?::regclass AND i.indisprimary
       ORDER BY array_position(i.indkey, a.attnum)`,
    `public."${table}"`,
  );
  return keys.length > 0 ? keys.map((k) => `"${k.name}"`).join(', ') : '1';
}

/**
 * Contents of every table: equal snapshots mean nothing changed. Left out: what every authenticated device or
 * requester call records by design (its signature against replay, the device's last_seen), and what every attempt counts against
 * its address on PostgreSQL (rate_limits; on SQLite those counts are in memory), and the heartbeat a PostgreSQL
 * instance writes on its own clock (server_instances.heartbeat_at), which may tick between two snapshots.
 */
export async function snapshotDb(ref: DbRef): Promise<string> {
  const db = dbOf(ref);
  const tables = (await tableNames(db)).filter(
    (name) => name !== 'seen_signatures' && name !== 'requester_signatures' && name !== 'rate_limits',
  );
  const contents: [string, Record<string, unknown>[]][] = [];
  for (const table of tables) {
    // SQLite reads a table in its stored order, which a read-only look cannot change; PostgreSQL's is not stable.
    const order = storeOf(db) === 'postgres' ? ` ORDER BY ${await postgresOrder(db, table)}` : '';
    const rows = await queryDb<Record<string, unknown>>(db, `SELECT * FROM "${table}"${order}`);
    contents.push([table, rows.map(({ last_seen: _seen, heartbeat_at: _beat, ...row }) => row)]);
  }
  return JSON.stringify(contents);
}

/**
 * Whether the text (or bytes) is stored anywhere in the database. SQLite: the raw bytes of the database file and its
 * write-ahead log, as an attacker with the file reads them. PostgreSQL: whether any row of any table, as text,
 * contains it (bytes: as hex, base64 or base64url); its files on disk belong to the cluster and are not scanned.
 */
export async function databaseBytesContain(ref: DbRef, text: string | Buffer): Promise<boolean> {
  const db = dbOf(ref);
  if (storeOf(db) === 'sqlite') {
    return [db, `${db}-wal`].some((file) => existsSync(file) && readFileSync(file).includes(text));
  }
  const needles =
    typeof text === 'string' ? [text] : [text.toString('hex'), text.toString('base64'), text.toString('base64url')];
  for (const table of await tableNames(db)) {
    for (const needle of needles) {
      const hits = await countRows(db, `"${table}" t`, 'strpos(t::text, ?) > 0', needle);
      if (hits > 0) return true;
    }
  }
  return false;
}

/** Polls until check() returns a value other than undefined (no fixed sleeps). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
