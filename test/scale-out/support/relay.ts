// A loopback TCP relay, standing in for the network between parts: a load balancer in front of server instances
// (its target can be switched, as a balancer moves traffic off a dead instance), or the path to PostgreSQL that
// goes silent — bytes stop flowing both ways and new connections are refused, but nothing is closed, which is what
// a dead network path looks like to a client: it hears no error at all.
import net from 'node:net';

export interface Relay {
  port: number;
  /** Where new connections go from now on (open ones stay where they are). */
  setTarget(port: number, host?: string): void;
  /** Stops every byte on open connections and refuses new ones; nothing is closed. */
  goSilent(): void;
  /** Accepts and forwards new connections again (the silenced ones are cut). */
  heal(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  silent: boolean;
}

export async function startRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<Relay> {
  let target = { port: targetPort, host: targetHost };
  const pairs = new Set<Pair>();
  let refusing = false;
  const cut = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream.destroy();
    pairs.delete(pair);
  };
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream, silent: false };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (!pair.silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.silent) client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => cut(pair));
      socket.on('close', () => cut(pair));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    setTarget: (port, host = '127.0.0.1') => {
      target = { port, host };
    },
    goSilent: () => {
      refusing = true;
      for (const pair of pairs) pair.silent = true;
    },
    heal: () => {
      refusing = false;
      for (const pair of [...pairs]) if (pair.silent) cut(pair);
    },
    close: async () => {
      for (const pair of [...pairs]) cut(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The PostgreSQL URL with its host and port replaced by the relay's. */
export function throughRelay(url: string, relay: Relay): string {
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String(relay.port);
  return relayed.toString();
}
