// A loopback TCP relay in front of a server that forwards everything, except that it can drop the first reply
// containing a marker: it closes the client's connection instead of passing those bytes on, after the server has
// done (and committed) whatever led to the reply. This is what a crash between commit and reply, or a connection
// lost at the wrong moment, looks like to the client.
import { createServer, type Server, type Socket, connect } from 'node:net';

export interface ReplyDropper {
  url: string;
  /** Drop the next reply whose bytes contain the marker (once). */
  dropNextReplyContaining(marker: string): void;
  /** How many replies were dropped so far. */
  dropped(): number;
  close(): Promise<void>;
}

export async function startReplyDropper(target: string): Promise<ReplyDropper> {
  const { hostname, port } = new URL(target);
  let marker: string | null = null;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (marker !== null && chunk.includes(marker)) {
        marker = null;
        dropped += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    dropNextReplyContaining: (text) => {
      marker = text;
    },
    dropped: () => dropped,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
