// The app:// protocol handler serves the renderer bundle from real files with the CSP, and nothing else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewUrl } from '../../main/shell/app-origin.js';
import { bundleFileFor, createBundleHandler } from '../../main/shell/bundle-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../main/shell/csp.js';

let root: string;
let outside: string;
beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), 'countersign-bundle-'));
  root = join(base, 'renderer');
  outside = base;
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/index.js"></script>');
  writeFileSync(join(root, 'assets', 'index.js'), 'console.log(1)');
  writeFileSync(join(outside, 'secret.txt'), 'do not serve');
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => createBundleHandler(root)(new Request(url, { method }));

describe('bundle protocol', () => {
  it('serves the index page for a view URL with the strict CSP and nosniff', async () => {
    const response = await get(viewUrl('approval', { accountId: 'a', uuid: 'u' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<script type="module"');
  });

  it('has the CSP the design asks for', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('serves module scripts as JavaScript', async () => {
    const response = await get('app://countersign/assets/index.js');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1)');
  });

  it.each([
    'app://countersign/../secret.txt',
    'app://countersign/%2e%2e/secret.txt',
    'app://countersign/assets/..%2f..%2fsecret.txt',
    'app://countersign/assets%5c..%5c..%5csecret.txt',
    'app://countersign/missing.js',
    'app://countersign/assets',
    'app://other/index.html',
    'https://countersign/index.html',
    'app://countersign/%E0%A4%A',
  ])('answers 404 for %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('do not serve');
  });

  it('refuses anything but GET and HEAD', async () => {
    expect((await get('app://countersign/index.html', 'POST')).status).toBe(405);
    const head = await get('app://countersign/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('never resolves a file outside the bundle directory', () => {
    expect(bundleFileFor('app://countersign/', root)).toBe(join(root, 'index.html'));
    // URL parsing clamps dot segments at the root; encoded ones survive parsing and are refused here.
    expect(bundleFileFor('app://countersign/a/../../secret.txt', root)).toBe(join(root, 'secret.txt'));
    expect(bundleFileFor('app://countersign/..%2f..%2fsecret.txt', root)).toBeNull();
  });
});
