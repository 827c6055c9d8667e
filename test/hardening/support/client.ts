// A requester that sends many requests quickly: one keep-alive connection pool per source address, raw bytes in and
// out, nothing retried or hidden. Used where a test sends thousands of requests (the bad-input corpus, floods).
import { Agent, request as httpRequest } from 'node:http';
import { type HttpReply, readReply } from '../../support/http-reply.js';

export interface RawRequest {
  method: string;
  /** Path and query exactly as sent. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Source address, e.g. 127.0.0.7: a different client IP on loopback. */
  localAddress?: string;
}

export type RawReply = HttpReply;

export class KeepAliveClient {
  private readonly agents = new Map<string, Agent>();

  constructor(
    private readonly baseUrl: string,
    private readonly maxSockets = 8,
  ) {}

  private agent(localAddress: string): Agent {
    let agent = this.agents.get(localAddress);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: this.maxSockets, localAddress });
      this.agents.set(localAddress, agent);
    }
    return agent;
  }

  send(request: RawRequest): Promise<RawReply> {
    const url = new URL(this.baseUrl);
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers: Record<string, string | number> = { ...request.headers };
    if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: request.method,
          path: request.path,
          headers,
          agent: this.agent(request.localAddress ?? '127.0.0.1'),
        },
        (res) => readReply(res, resolve, reject),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends every request, at most `concurrency` at a time; replies in the order of the requests. */
  async sendAll(requests: readonly RawRequest[], concurrency = 8): Promise<RawReply[]> {
    const replies: RawReply[] = new Array(requests.length);
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const index = next++;
        replies[index] = await this.send(requests[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
    return replies;
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
