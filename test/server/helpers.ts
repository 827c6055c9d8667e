// Shared steps of the server tests: a server with one user, a paired device and its open push stream; requester
// calls as any HTTP client would make them; a read-only look into the database file.
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
import { type HttpReply, http, startTestServer, type TestServer, type TestServerOptions } from '../support/server.js';

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
  extra: { ips?: string[]; numberMatching?: boolean; name?: string } = {},
): Promise<{ id: number; api_key: string }> {
  return w.server.admin.createKey({ user: w.user.name, name: extra.name ?? `${mode} key`, mode, ...extra });
}

export interface AttemptOptions {
  localAddress?: string;
  description?: string;
  headers?: Record<string, string>;
}

/** POST /v1/session-server as a requester. */
export function attempt(server: TestServer, apiKey: string, options: AttemptOptions = {}): Promise<HttpReply> {
  return http(`${server.url}/v1/session-server`, {
    method: 'POST',
    body: { secret: apiKey, ...(options.description !== undefined ? { description: options.description } : {}) },
    localAddress: options.localAddress,
    headers: options.headers,
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

/** Reads the database file directly (read-only), as an operator would inspect it. */
export function inspectDb<T>(dbPath: string, look: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return look(db);
  } finally {
    db.close();
  }
}

/**
 * Contents of every table: equal snapshots mean nothing changed. Left out: what every authenticated device call
 * records by design (its signature against replay, the device's last_seen).
 */
export function snapshotDb(dbPath: string): string {
  return inspectDb(dbPath, (db) => {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    return JSON.stringify(
      tables
        .filter((t) => t.name !== 'seen_signatures')
        .map((t) => [
          t.name,
          (db.prepare(`SELECT * FROM "${t.name}"`).all() as Record<string, unknown>[]).map(
            ({ last_seen: _ignored, ...row }) => row,
          ),
        ]),
    );
  });
}

/** Whether text occurs anywhere in the database file or its write-ahead log (raw bytes, as an attacker reads them). */
export function databaseBytesContain(dbPath: string, text: string): boolean {
  return [dbPath, `${dbPath}-wal`].some((file) => existsSync(file) && readFileSync(file).includes(text));
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
