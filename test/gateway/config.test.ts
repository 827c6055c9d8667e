// The gateway's config file and flags: mistakes are named with FILE:LINE (or the flag) and stop it from starting;
// sealed secrets open only for the upstream they were sealed for.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../gateway/config-file.js';
import { resolveUpstreamSecret, sealUpstreamSecret } from '../../gateway/upstream-secret.js';
import { tempDir } from '../support/server.js';
import { runGateway } from './support/gateway-process.js';

const upstream = (extra: Record<string, unknown> = {}) => ({
  name: 'github',
  prefix: '/github',
  url: 'https://api.github.com',
  keys: [3],
  inject: { header: 'Authorization', value: 'Bearer {secret}' },
  secret: { file: 'github.token' },
  ...extra,
});

function errorOf(text: string): string {
  try {
    parseConfigText(text, 'gateway.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

let dir: Awaited<ReturnType<typeof tempDir>> | null = null;
afterEach(async () => {
  await dir?.remove();
  dir = null;
});

describe('config file errors name FILE:LINE and the field', () => {
  it('a wrong value, on the line it is written', () => {
    const text = JSON.stringify({ server: 'http://127.0.0.1:8787', upstreams: [upstream({ keys: [] })] }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"keys"')) + 1;
    expect(errorOf(text)).toBe(`gateway.json:${line}: upstreams[0].keys: must list at least one Countersign key id`);
  });

  it('an unknown field, at the field itself', () => {
    const text = JSON.stringify({ upstreams: [upstream({ secrte: 1 })] }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"secrte"')) + 1;
    expect(errorOf(text)).toBe(`gateway.json:${line}: upstreams[0]: unknown field "secrte"`);
  });

  it('invalid JSON, at the line where it breaks', () => {
    expect(errorOf('{\n  "upstreams": [\n    {"name": "a",}\n  ]\n}')).toMatch(/^gateway\.json:3: not valid JSON: /);
  });

  it('a second upstream with the same prefix, and a header the gateway owns', () => {
    const text = JSON.stringify(
      {
        upstreams: [
          upstream(),
          upstream({ name: 'other', inject: { header: 'X-Bunq-Client-Authentication', value: '{secret}' } }),
        ],
      },
      null,
      2,
    );
    const lines = text.split('\n');
    const prefixLine = lines.findIndex((l, i) => i > 10 && l.includes('"prefix"')) + 1;
    const headerLine = lines.findIndex((l) => l.includes('X-Bunq-Client-Authentication')) + 1;
    expect(errorOf(text).split('\n')).toEqual([
      `gateway.json:${headerLine}: upstreams[1].inject.header: is a header the gateway manages itself`,
      `gateway.json:${prefixLine}: upstreams[1].prefix: "/github" is already used by upstreams[0]`,
    ]);
  });

  it('an injected value without {secret}, and an upstream URL with credentials in it', () => {
    const text = JSON.stringify(
      {
        upstreams: [upstream({ url: 'https://me:pw@api.example.com', inject: { header: 'X-Api-Key', value: 'key' } })],
      },
      null,
      2,
    );
    const message = errorOf(text);
    expect(message).toContain('upstreams[0].url: may not carry a user name or password');
    expect(message).toContain('upstreams[0].inject.value: must contain {secret} exactly once');
  });
});

describe('sealed upstream secrets', () => {
  it('open with the seal key for the upstream they were sealed for, and for no other', () => {
    const key = randomBytes(32);
    const sealed = sealUpstreamSecret(key, 'github', 'ghp_realsecret');
    expect(sealed).not.toContain('ghp_realsecret');
    expect(resolveUpstreamSecret({ sealed }, 'github', '/', key)).toBe('ghp_realsecret');
    expect(() => resolveUpstreamSecret({ sealed }, 'stripe', '/', key)).toThrow(/does not open with this seal key/);
    expect(() => resolveUpstreamSecret({ sealed }, 'github', '/', randomBytes(32))).toThrow(/does not open/);
    expect(() => resolveUpstreamSecret({ sealed }, 'github', '/', null)).toThrow(/give the seal key/);
  });
});

describe('countersign-gateway refuses to start on a bad config', () => {
  it('prints FILE:LINE for the config file and exits 1', async () => {
    dir = await tempDir('countersign-gateway-config-');
    const file = join(dir.path, 'gateway.json');
    const text = JSON.stringify({ upstreams: [upstream({ timeout_ms: 5 })] }, null, 2);
    await writeFile(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('"timeout_ms"')) + 1;
    const run = await runGateway(['--config', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `countersign-gateway: ${file}:${line}: upstreams[0].timeout_ms: Too small: expected number to be >=100\n`,
    );
  });

  it('names the flag for the one-upstream form, and wants the introspection secret from a file', async () => {
    dir = await tempDir('countersign-gateway-config-');
    const noKeys = await runGateway(['--upstream', 'https://api.example.com', '--secret-file', 'x']);
    expect([noKeys.code, noKeys.stderr]).toEqual([
      1,
      'countersign-gateway: --upstream needs --keys ID[,ID…]: which Countersign keys may use it.\nRun countersign-gateway --help for usage.\n',
    ]);
    await writeFile(join(dir.path, 'token'), 'secret\n');
    const noSecret = await runGateway(
      [
        '--upstream',
        'https://api.example.com',
        '--keys',
        '1',
        '--secret-file',
        join(dir.path, 'token'),
        '--server',
        'http://127.0.0.1:1',
      ],
      { env: { COUNTERSIGN_INTROSPECTION_SECRET: '' } },
    );
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('introspection secret in a file');
    const badUrl = await runGateway(['--upstream', 'ftp://x', '--keys', '1', '--secret-file', 'x']);
    expect(badUrl.stderr).toContain('--upstream: must start with http:// or https://');
  });
});
