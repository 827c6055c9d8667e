// Debian's nginx as the reverse proxy a requester may reach the server through: everything passed on to one
// upstream, with a read timeout that may be set shorter than a waited POST (so that nginx answers 504 after the
// server has done its part), and an access log of what each request got.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, launchNginx, nginxPreamble, nginxTempPaths } from '../gateway/support/nginx.js';

export interface NginxProxy {
  url: string;
  /** One line per request: "METHOD URI STATUS claim=[X-Countersign-Claim]" ("" when none was sent). */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startNginxProxy(options: {
  dir: string;
  /** Where to pass requests on (http://127.0.0.1:PORT); nothing needs to listen there. */
  upstream: string;
  /** How long nginx waits for the upstream's reply before it answers 504 itself (default 60 s, nginx's own). */
  readTimeoutMs?: number;
}): Promise<NginxProxy> {
  const { dir } = options;
  const port = await freePort();
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const conf = `
${nginxPreamble(dir)}
http {
  ${nginxTempPaths(dir)}
  log_format probe '$request_method $request_uri $status claim=[$http_x_countersign_claim]';
  access_log ${join(dir, 'access.log')} probe;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${options.upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout ${options.readTimeoutMs ?? 60_000}ms;
    }
  }
}
`;
  const stop = await launchNginx(dir, conf, port);
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog: async () =>
      (await readFile(join(dir, 'access.log'), 'utf8')).split('\n').filter((line) => line.length > 0),
    stop,
  };
}
