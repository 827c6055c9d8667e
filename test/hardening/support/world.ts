// The cast of the hardening tests: users with paired test devices (real Ed25519 keys and signed calls) and push
// keys, and requesters asking for sessions over plain HTTP.
import { expect } from 'vitest';
import { type KeyMode, SessionServerPending, SessionServerRequestRead } from '../../../protocol/index.js';
import { TestDevice } from '../../support/device.js';
import { type HttpReply, http } from '../../support/server.js';
import type { HardeningServer } from './server.js';

export interface Person {
  name: string;
  devices: TestDevice[];
}

/** A user with `deviceCount` paired devices. */
export async function person(server: HardeningServer, name: string, deviceCount = 1): Promise<Person> {
  await server.admin.createUser(name);
  const devices: TestDevice[] = [];
  for (let i = 0; i < deviceCount; i++) {
    const { code } = await server.admin.pair(name, server.url);
    devices.push(await TestDevice.pair(server.url, code, `${name}-device-${i + 1}`));
  }
  return { name, devices };
}

export function pushKey(server: HardeningServer, user: string, name = 'push key', mode: KeyMode = 'push') {
  return server.admin.createKey({ user, name, mode });
}

/** POST /v1/session-server as a requester. */
let attempts = 0;

/** One session attempt, its own job (a User-Agent of its own): identical attempts would merge into one request. */
export function attempt(
  server: { url: string },
  apiKey: string,
  options: { description?: string; localAddress?: string } = {},
): Promise<HttpReply> {
  attempts += 1;
  return http(`${server.url}/v1/session-server`, {
    method: 'POST',
    body: { secret: apiKey, ...(options.description === undefined ? {} : { description: options.description }) },
    localAddress: options.localAddress,
    headers: { 'user-agent': `hardening/${attempts}` },
  });
}

/** An attempt that must wait for the owner; returns its SessionServerRequest. */
export async function pendingRequest(
  server: { url: string },
  apiKey: string,
  options: { description?: string; localAddress?: string } = {},
) {
  const reply = await attempt(server, apiKey, options);
  expect(reply.status, reply.text).toBe(202);
  return SessionServerPending.parse(reply.json).Response[0].SessionServerRequest;
}

/** An attempt that must wait for the owner; returns its uuid. */
export async function pendingUuid(
  server: { url: string },
  apiKey: string,
  options: { description?: string; localAddress?: string } = {},
): Promise<string> {
  return (await pendingRequest(server, apiKey, options)).uuid;
}

/** GET /v1/session-server-request/{uuid} as the requester, parsed. */
export async function readRequest(server: { url: string }, uuid: string, apiKey: string, wait = 0) {
  const reply = await http(`${server.url}/v1/session-server-request/${uuid}?wait=${wait}`, {
    headers: { 'x-bunq-client-authentication': apiKey },
  });
  expect(reply.status, reply.text).toBe(200);
  return SessionServerRequestRead.parse(reply.json).Response;
}

/** The error_description of a bunq Error envelope, or a note that the reply was not one. */
export function errorText(reply: { json: unknown; text: string }): string {
  const body = reply.json as { Error?: { error_description: string }[] } | undefined;
  return body?.Error?.[0]?.error_description ?? `(not an error envelope: ${reply.text})`;
}

/** A tally of outcomes by kind, printed with the test's figures. */
export class Tally {
  readonly counts = new Map<string, number>();

  add(kind: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** Prints a test's figures as one JSON line (collected for the hardening report). */
export function report(name: string, figures: object): void {
  process.stdout.write(`[hardening] ${name} ${JSON.stringify(figures)}\n`);
}
