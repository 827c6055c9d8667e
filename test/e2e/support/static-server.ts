// Serves the built renderer (dist/renderer) over loopback HTTP: Chromium refuses ES-module scripts from file://.
// The same Content-Security-Policy as the app's bundle protocol, so a CSP violation fails here as it would there.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../../main/shell/csp.js';
import { AXE_PATH } from './axe.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export const RENDERER_DIR = resolve(import.meta.dirname, '../../../dist/renderer');
const AXE_FILE = resolve(import.meta.dirname, '../../../node_modules/axe-core/axe.min.js');

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function serveRenderer(root: string = RENDERER_DIR): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    // The accessibility checker, served from our origin so the page's CSP admits it as it is.
    const file = path === AXE_PATH ? AXE_FILE : resolve(base, `.${path === '/' ? '/index.html' : path}`);
    if (file !== AXE_FILE && !file.startsWith(base + sep)) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'cache-control': 'no-store',
      });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/index.html`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
