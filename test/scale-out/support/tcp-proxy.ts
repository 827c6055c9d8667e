// A loopback TCP relay in front of PostgreSQL that can go silent: bytes stop flowing both ways on the connections
// it carries and new connections are refused, but no socket is closed — what a dead network path looks like to a
// client, which then hears no error at all.
import net from 'node:net';

export interface SilentableProxy {
  /** postgres://… through the relay (the given URL with the relay's host and port). */
  url: string;
  /** Stops every byte on open connections and refuses new ones; nothing is closed. */
  goSilent(): void;
  /** Accepts and forwards new connections again (the silenced ones are cut). */
  heal(): void;
  close(): Promise<void>;
}

export async function startSilentableProxy(targetUrl: string): Promise<SilentableProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; silent: boolean }>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { client, upstream, silent: false };
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('data', (chunk) => {
      if (!pair.silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.silent) client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    goSilent: () => {
      refusing = true;
      for (const pair of pairs) pair.silent = true;
    },
    heal: () => {
      refusing = false;
      for (const pair of [...pairs]) {
        if (!pair.silent) continue;
        pair.client.destroy();
        pair.upstream.destroy();
        pairs.delete(pair);
      }
    },
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
