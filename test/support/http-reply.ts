// Reading a whole HTTP reply as the test helpers report it: status, headers, the body as text, and the body parsed
// as JSON when it is JSON. Shared by the one-shot http() helper and the hardening suite's keep-alive client.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** Collects the body of `res`, then calls `resolve` with the reply (or `reject` if the response stream fails). */
export function readReply(res: IncomingMessage, resolve: (reply: HttpReply) => void, reject: (error: Error) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
  });
  res.on('error', reject);
}
