// An address of this machine that is not loopback (the address of its network card), for tests of what the
// requester refuses to send there in the clear; and a raw TCP listener that records whatever reaches it.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address of this machine; null when it has none (a machine with loopback only). */
export function outsideAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return null;
}

export interface RawListener {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Every byte received, as text. */
  received: string;
  close(): Promise<void>;
}

/** Listens on host, records what arrives and hangs up on it (so a client that did send fails fast); never answers. */
export async function rawListener(host: string): Promise<RawListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    listener.connections += 1;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      listener.received += chunk.toString('latin1');
      socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  const listener: RawListener = {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: 0,
    received: '',
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return listener;
}
