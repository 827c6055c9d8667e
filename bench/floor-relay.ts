// The floor: a bare relay that does no work. POST /push/{id} forwards its body as one WebSocket message to the
// socket connected at /ws/{id}; GET /wait/{id} is held until POST /release/{id} answers it with that body. No
// parsing, no checks, no storage — whatever Countersign's latencies add above this relay's is Countersign's own.
// Run as a child process: node bin/run-ts.mjs bench/floor-relay.ts (prints "listening on http://…").
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

const sockets = new Map<string, WebSocket>();
const waiting = new Map<string, ServerResponse>();

const server = createServer((req, res) => {
  const [, action = '', id = ''] = (req.url ?? '').split('/');
  if (req.method === 'GET' && action === 'wait') {
    waiting.set(id, res);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (action === 'push') sockets.get(id)?.send(body, { binary: false });
    if (action === 'release') {
      waiting.get(id)?.writeHead(200, { 'content-type': 'application/json' }).end(body);
      waiting.delete(id);
    }
    res.writeHead(204).end();
  });
});

const wss = new WebSocketServer({ server });
wss.on('connection', (socket, req) => {
  const id = (req.url ?? '').split('/')[2] ?? '';
  sockets.set(id, socket);
  socket.on('close', () => sockets.delete(id));
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`floor relay listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  for (const socket of sockets.values()) socket.terminate();
  server.close(() => process.exit(0));
});
