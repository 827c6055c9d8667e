import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint } from '../../main/core/tls-fingerprint.js';

// A real TLS server on loopback with a certificate made by openssl for 127.0.0.1.
let dir: string;
let cert: string;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cs-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=countersign-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ cert, key: readFileSync(join(dir, 'key.pem')) }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS certificate fingerprint at pairing', () => {
  it('reads the SHA-256 fingerprint of the certificate the server presents', async () => {
    const result = await certificateFingerprint(url, { ca: cert });
    expect(result).toEqual({ ok: true, value: new X509Certificate(cert).fingerprint256 });
    expect(result.ok && result.value).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('refuses a certificate nobody vouches for, as a network error', async () => {
    const result = await certificateFingerprint(url);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('NETWORK');
    expect(!result.ok && result.error.message).toMatch(/self.signed|certificate/i);
  });

  it('reports an unreachable server', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await certificateFingerprint(`https://127.0.0.1:${port}`);
    expect(!result.ok && result.error.code).toBe('NETWORK');
  });
});
