// A stand-in for a PostgreSQL server that asks for a clear-text password and records what it gets: the way to see
// which password a process really sends. The test cluster of scripts/with-postgres.sh trusts every loopback
// connection and never asks for one, so it cannot tell. Speaks just enough of the wire protocol (v3): startup
// message, AuthenticationCleartextPassword, PasswordMessage; then refuses the login with SQLSTATE 28P01.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';

export interface PasswordCatcher {
  url(user: string, database?: string): string;
  /** Each login attempt: the user of its startup message and the password it sent. */
  attempts: { user: string; password: string }[];
  close(): Promise<void>;
}

function errorResponse(message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C28P01\0M${message}\0\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

export async function startPasswordCatcher(): Promise<PasswordCatcher> {
  const sockets = new Set<Socket>();
  const attempts: PasswordCatcher['attempts'] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let user = '';
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!started) {
        if (buffered.length < 4 || buffered.length < buffered.readInt32BE(0)) return;
        const length = buffered.readInt32BE(0);
        const params = buffered.subarray(8, length).toString('utf8').split('\0');
        user = params[params.indexOf('user') + 1] ?? '';
        buffered = buffered.subarray(length);
        started = true;
        const ask = Buffer.alloc(9);
        ask.write('R', 0);
        ask.writeInt32BE(8, 1);
        ask.writeInt32BE(3, 5); // AuthenticationCleartextPassword
        socket.write(ask);
        return;
      }
      if (buffered.length < 5 || buffered.length < 1 + buffered.readInt32BE(1)) return;
      const length = buffered.readInt32BE(1);
      attempts.push({ user, password: buffered.subarray(5, 1 + length - 1).toString('utf8') });
      socket.end(errorResponse(`password authentication failed for user "${user}"`));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: (user, database = 'countersign') => `postgres://${user}@127.0.0.1:${port}/${database}`,
    attempts,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
