// The long-poll's stop signal: fires when the requester hangs up or the server shuts down, and leaves nothing on
// the server-lifetime shutdown signal once the reply has closed (each status read used to leave a dependant there).
// A real HTTP server on loopback whose handler holds its replies open until told.
import { getEventListeners } from 'node:events';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { abortOnCloseOrShutdown } from '../../server/http/request-signal.js';

let shutdown: AbortController;
let server: Server;
let port: number;
/** Replies held open, with the signal each got. */
const held: { reply: ServerResponse; signal: AbortSignal }[] = [];
let arrived: (() => void) | null = null;

beforeEach(async () => {
  shutdown = new AbortController();
  held.length = 0;
  server = createServer((_req, reply) => {
    const signal = abortOnCloseOrShutdown(reply, shutdown.signal);
    if (_req.url === '/hold') {
      held.push({ reply, signal });
      // As the long-poll does: an already stopped signal answers at once.
      if (signal.aborted) reply.end('stopped');
      else signal.addEventListener('abort', () => reply.end('stopped'));
      arrived?.();
    } else reply.end('done');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const shutdownListeners = () => getEventListeners(shutdown.signal, 'abort').length;

function get(path: string): { done: Promise<string>; hangUp(): void } {
  const req = request({ host: '127.0.0.1', port, path, agent: false });
  const done = new Promise<string>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
  });
  req.end();
  return { done, hangUp: () => req.destroy() };
}

async function hold(): Promise<{ done: Promise<string>; hangUp(): void; signal: AbortSignal }> {
  const waiting = new Promise<void>((resolve) => (arrived = resolve));
  const call = get('/hold');
  await waiting;
  return { ...call, signal: held.at(-1)!.signal };
}

describe('the long-poll stop signal', () => {
  it('listens on the shutdown signal only while its reply is open', async () => {
    for (let i = 0; i < 200; i += 1) expect(await get('/').done).toBe('done');
    // 'close' comes after the client has its reply: wait for the last one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(shutdownListeners()).toBe(0);
    const open = await hold();
    expect(shutdownListeners()).toBe(1);
    open.hangUp();
    await expect(open.done).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(open.signal.aborted).toBe(true);
    expect(shutdownListeners()).toBe(0);
  });

  it('fires for every open reply when the server shuts down', async () => {
    const a = await hold();
    const b = await hold();
    expect(a.signal.aborted || b.signal.aborted).toBe(false);
    shutdown.abort();
    expect(await a.done).toBe('stopped');
    expect(await b.done).toBe('stopped');
    // After shutdown a new request is stopped at once.
    expect(await get('/hold').done).toBe('stopped');
  });
});
