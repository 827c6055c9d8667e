// Serves the renderer bundle (dist/renderer) on app://countersign/… with the CSP header. Electron-free: it maps a
// fetch Request to a Response, so the same function runs in tests and behind Electron's protocol.handle.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { isAppUrl } from './app-origin.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS } });
}

/**
 * The file a bundle URL names, or null when the URL is not ours or would leave the bundle directory (a `..` that
 * survived URL parsing, an encoded separator). '/' is the index page.
 */
export function bundleFileFor(url: string, rootDir: string): string | null {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const root = resolve(rootDir);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  return file.startsWith(root + sep) ? file : null;
}

export function createBundleHandler(rootDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    const file = bundleFileFor(request.url, rootDir);
    if (!file) return plain(404, 'not found');
    try {
      if (!(await stat(file)).isFile()) return plain(404, 'not found');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      return new Response(body, { status: 200, headers: { 'content-type': type, ...SECURITY_HEADERS } });
    } catch {
      return plain(404, 'not found');
    }
  };
}
