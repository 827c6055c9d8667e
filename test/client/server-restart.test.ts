// openSession keeps waiting through a server restart: polls that find nothing listening are retried with backoff,
// and the approval given after the restart reaches the requester. Real server process, real SQLite file.
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSession, type SessionProgress } from '../../client/index.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { TestDevice } from '../support/device.js';
import { type ServerProcess, startServerProcess, tempDir } from '../support/server.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

// Two server processes start in this test; on a busy machine that takes longer than the default 30 s allows.
it('retries polling while the server is down and returns the token approved after it restarts', {
  timeout: 90_000,
}, async () => {
  const dir = await tempDir();
  cleanup.push(dir.remove);
  const dbPath = join(dir.path, 'countersign.db');
  let server: ServerProcess = await startServerProcess({ db: dbPath });
  cleanup.push(() => server.stop());

  const admin = await AdminCommands.open(dbPath);
  await admin.createUser('alice');
  const { api_key } = await admin.createKey({ user: 'alice', name: 'ci-bot', mode: 'push', codeLength: 0 });
  const { code } = await admin.pair('alice', server.url);
  await admin.close();
  const device = await TestDevice.pair(server.url, code);
  const stream = await device.connect();

  const progress: SessionProgress[] = [];
  const opening = openSession({ server: server.url, apiKey: api_key, onProgress: (p) => progress.push(p) });
  const { request } = await stream.next('approval.requested');

  await server.stop();
  await expect
    .poll(() => progress.some((p) => p.connectionProblem?.kind === 'network'), { timeout: 15_000 })
    .toBe(true);
  server = await startServerProcess({ db: dbPath, port: server.port });

  expect((await device.decide(request.uuid, { decision: 'APPROVE' })).status).toBe(200);
  const result = await opening;
  expect(result).toMatchObject({ status: 'ACCEPTED', uuid: request.uuid });
});
