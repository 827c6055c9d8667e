// A real webhook receiver for tests: a plain node:http server on loopback that records every delivery (headers and
// raw body) and answers as the test tells it: 204, a 500, a redirect, a huge body, or never (hang). It can stop
// listening (receiver down) and listen again on the same port.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { WebhookBody } from '../../protocol/index.js';

export type ReceiverMode = 'ok' | 'fail' | 'hang' | 'redirect' | 'huge';

export interface Delivery {
  /** The request's path: /hooks, unless a redirect was (wrongly) followed. */
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Set when the signature verified with the secret (Webhook.verify). */
  verified: boolean;
  parsed: WebhookBody;
  /** The mode the receiver was in when the delivery arrived (only 'ok' ones were answered 2xx). */
  answered: ReceiverMode;
  /** When the request arrived and when the receiver answered it (performance.now()). */
  start: number;
  end: number | null;
}

/** A fresh Standard Webhooks secret: whsec_ and base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  mode: ReceiverMode = 'ok';
  /** In 'ok' mode: wait this long before answering (a slow receiver). */
  delayMs = 0;
  private server: Server | null = null;
  private port = 0;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly secret: string) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret);
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Deliveries answered 2xx, one per event id (what a de-duplicating receiver keeps). */
  accepted(): Delivery[] {
    const seen = new Map<string, Delivery>();
    for (const d of this.deliveries) if (d.answered === 'ok' && !seen.has(d.id)) seen.set(d.id, d);
    return [...seen.values()];
  }

  ofType(type: string): Delivery[] {
    return this.accepted().filter((d) => d.parsed.type === type);
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((done) => server.listen(this.port, '127.0.0.1', done));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Receiver down: stops listening and drops every open connection. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  close(): Promise<void> {
    return this.down();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      let verified = false;
      try {
        new Webhook(this.secret).verify(body, headers);
        verified = true;
      } catch {
        verified = false;
      }
      const answered = this.mode;
      const delivery: Delivery = {
        path: req.url ?? '',
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        verified,
        parsed: WebhookBody.parse(JSON.parse(body)),
        answered,
        start,
        end: null,
      };
      this.deliveries.push(delivery);
      res.once('finish', () => {
        delivery.end = performance.now();
      });
      switch (answered) {
        case 'ok':
          setTimeout(() => res.writeHead(204).end(), this.delayMs);
          return;
        case 'fail':
          res.writeHead(500).end('receiver broken');
          return;
        case 'redirect':
          res.writeHead(307, { location: `${this.url}/elsewhere` }).end();
          return;
        case 'huge':
          // A 500 with a body far larger than anyone should read: 64 MiB, written as it is drained.
          res.writeHead(500, { 'content-type': 'text/plain' });
          writeHuge(res, 64 * 1024 * 1024);
          return;
        case 'hang':
          this.hanging.add(res);
          return;
      }
    });
  }
}

function writeHuge(res: ServerResponse, bytes: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      left -= chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}
