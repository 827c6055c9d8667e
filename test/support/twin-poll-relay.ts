// An HTTP relay in front of a server that forwards every call, and can send the next status read twice: the reply
// of the twin is read and thrown away. That is what a server sees when a requester's earlier call is still open
// beside its newer one (a half-open connection the server cannot tell is dead): two calls of the same claim waiting
// together, one of which nobody will read. Both are held until the test releases them, in the order it chooses.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

export interface HeldStatusRead {
  /** Sends the requester's own read ('call') or its twin ('twin') on to the server. */
  release(which: 'call' | 'twin'): void;
}

export interface TwinPollRelay {
  url: string;
  /** Hold the next GET /v1/session-server-request/… and a twin of it (once). */
  twinNextStatusRead(): void;
  /** Resolves when the read asked for with twinNextStatusRead has arrived and is held. */
  heldStatusRead(): Promise<HeldStatusRead>;
  /** The replies of the twins so far, as text, once each has ended. */
  twinReplies(): string[];
  /** Answer the next status read with a 502 of the relay's own, without passing it on (once); false: don't. */
  failNextStatusRead(fail?: boolean): void;
  /** How many status reads were answered so. */
  failedReads(): number;
  close(): Promise<void>;
}

export async function startTwinPollRelay(target: string): Promise<TwinPollRelay> {
  const upstream = new URL(target);
  let twinNext = false;
  let held: ((read: HeldStatusRead) => void) | null = null;
  let arrived: HeldStatusRead | null = null;
  let failNext = false;
  let failed = 0;
  const twinReplies: string[] = [];
  const forward = (incoming: IncomingMessage, body: Buffer, onReply: (reply: IncomingMessage) => void) => {
    const call = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      onReply,
    );
    call.end(body);
    return call;
  };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const sendCall = () =>
        forward(incoming, body, (reply) => {
          outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(outgoing);
        }).on('error', () => outgoing.destroy());
      const statusRead = incoming.method === 'GET' && incoming.url?.startsWith('/v1/session-server-request/');
      if (failNext && statusRead) {
        failNext = false;
        failed += 1;
        outgoing.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway (twin-poll relay)');
        return;
      }
      if (!(twinNext && statusRead)) {
        sendCall();
        return;
      }
      twinNext = false;
      const sendTwin = () =>
        forward(incoming, body, (reply) => {
          const parts: Buffer[] = [];
          reply.on('data', (part: Buffer) => parts.push(part));
          reply.on('end', () => twinReplies.push(Buffer.concat(parts).toString('utf8')));
        }).on('error', () => undefined);
      const read: HeldStatusRead = { release: (which) => (which === 'call' ? sendCall() : sendTwin()) };
      if (held) held(read);
      else arrived = read;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    twinNextStatusRead: () => {
      twinNext = true;
      arrived = null;
      held = null;
    },
    heldStatusRead: () =>
      new Promise((resolve) => {
        if (arrived) resolve(arrived);
        else held = resolve;
      }),
    twinReplies: () => [...twinReplies],
    failNextStatusRead: (fail = true) => {
      failNext = fail;
    },
    failedReads: () => failed,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
