// Debian's nginx as a real upstream that is not ours: on a free loopback port, answering 200 only when the injected
// header (or query parameter) carries the secret and 401 otherwise, with an access log that tells whether it was
// called at all and whether the session token header reached it. Also serves a large file (streaming) and, with a
// self-signed certificate, the same over TLS.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path)) ?? null;

/** Why the nginx tests cannot run here, or null. Under CI a missing nginx fails instead of skipping. */
export function nginxMissing(): string | null {
  if (NGINX_BIN) return null;
  const why = 'Debian nginx is not installed (apt-get install nginx; .ci/run installs it)';
  if (process.env.CI) throw new Error(why);
  return why;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface NginxOptions {
  dir: string;
  /**
   * The upstream's real secret: "Authorization: Bearer SECRET" on /hdr/, /big/ (a large file) and /store/ (PUT
   * writes the body to www/store/), ?api_key=SECRET on /qry/.
   */
  secret: string;
  /** Bytes of /big/file.bin (default 1 MiB). */
  bigFileBytes?: number;
  /** Also serve HTTPS with a fresh self-signed certificate. */
  tls?: boolean;
}

export interface Nginx {
  url: string;
  port: number;
  tlsUrl: string | null;
  bigFileBytes: number;
  /** Lines of the access log: "METHOD URI STATUS REQUEST_LENGTH token=[X-Bunq-Client-Authentication]" ("-": none). */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  if (!NGINX_BIN) throw new Error('nginx is not installed');
  const { dir, secret } = options;
  const bigFileBytes = options.bigFileBytes ?? 1024 * 1024;
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : null;
  await mkdir(join(dir, 'www', 'big'), { recursive: true });
  await mkdir(join(dir, 'www', 'store'), { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const big = Buffer.alloc(bigFileBytes, 'abcdefghijklmnopqrstuvwxyz0123456789\n');
  await writeFile(join(dir, 'www', 'big', 'file.bin'), big);
  if (options.tls) {
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
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        join(dir, 'tls.key'),
        '-out',
        join(dir, 'tls.crt'),
      ],
      { stdio: 'ignore' },
    );
  }
  const check = (location: string, okVar: string, body: string) => `
    location ${location} {
      if (${okVar} = 0) { return 401 "upstream: wrong or missing key\\n"; }
      ${body}
    }`;
  const locations = `
    ${check('/hdr/', '$hdr_ok', 'return 200 "upstream ok path=$uri token=[$http_x_bunq_client_authentication]\\n";')}
    ${check('/qry/', '$qry_ok', 'return 200 "upstream ok path=$uri token=[$http_x_bunq_client_authentication]\\n";')}
    ${check('/big/', '$hdr_ok', `root ${join(dir, 'www')};`)}
    ${check('/store/', '$hdr_ok', `root ${join(dir, 'www')}; dav_methods PUT; create_full_put_path on;`)}
    location / { return 404 "upstream: no such path\\n"; }`;
  const conf = `
${nginxPreamble(dir)}
http {
  ${nginxTempPaths(dir)}
  default_type text/plain;
  client_max_body_size 64m;
  keepalive_requests 100000;
  map_hash_bucket_size 256;
  log_format probe '$request_method $uri $status $request_length token=[$http_x_bunq_client_authentication]';
  access_log ${join(dir, 'access.log')} probe;
  map $http_authorization $hdr_ok { "Bearer ${secret}" 1; default 0; }
  map $arg_api_key $qry_ok { "${secret}" 1; default 0; }
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }
  ${
    tlsPort
      ? `server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${join(dir, 'tls.crt')};
    ssl_certificate_key ${join(dir, 'tls.key')};
    ${locations}
  }`
      : ''
  }
}
`;
  const stop = await launchNginx(dir, conf, port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tlsUrl: tlsPort ? `https://localhost:${tlsPort}` : null,
    bigFileBytes,
    accessLog: async () =>
      (await readFile(join(dir, 'access.log'), 'utf8')).split('\n').filter((line) => line.length > 0),
    stop,
  };
}

/** One nginx in the foreground, no master process, its pid file and error log in dir. */
export const nginxPreamble = (dir: string) => `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }`;

/** Every temporary directory nginx may use, in dir/tmp (the default ones need root). */
export const nginxTempPaths = (dir: string) =>
  ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${join(dir, 'tmp')};`)
    .join(' ');

/**
 * Writes conf to dir/nginx.conf, starts nginx on it in the foreground and waits until it listens on port.
 * Resolves to a function that stops it (gracefully) and waits for it to exit.
 */
export async function launchNginx(dir: string, conf: string, port: number): Promise<() => Promise<void>> {
  if (!NGINX_BIN) throw new Error('nginx is not installed');
  const confFile = join(dir, 'nginx.conf');
  await writeFile(confFile, conf);
  await writeFile(join(dir, 'access.log'), '');
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-e', join(dir, 'error.log'), '-c', confFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    await Promise.race([
      waitForPort(port, Date.now() + 10_000),
      exited.then(() => {
        throw new Error(`nginx exited: ${stderr}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    await exited;
  };
}
