// `npm start`: a first look at Countersign on one machine. Starts a local approval server (embedded SQLite under
// data/), makes a demo user with a push-mode key, issues a pairing code and starts the desktop approver with the
// pairing link — or, where the Electron binary is not installed, says so and keeps the server running.
// Everything it makes lives in data/ (ignored by git; COUNTERSIGN_DATA_DIR names another folder); Ctrl-C stops
// everything. The demo key's value is never printed: the command it prints reads the key from a 0600 file into
// COUNTERSIGN_API_KEY, so the key stays out of the terminal's scrollback, the shell history and the process list.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminCommands } from '../server/admin/commands.js';
import { DEFAULT_PORT, startServer } from '../server/index.js';
import { openSqliteStore } from '../server/store/sqlite/open.js';
import { findElectronBinary } from './electron-binary.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.env.COUNTERSIGN_DATA_DIR || join(root, 'data'));
const dbPath = join(dataDir, 'countersign.db');
/** The demo key's value is shown once by the server; it is kept here so each `npm start` can print it again. */
const demoFile = join(dataDir, 'demo.json');
/** The key alone, for the printed command to read (a JSON file would need a parser in the shell). */
const demoKeyFile = join(dataDir, 'demo-api-key');
const DEMO_USER = 'demo';
// A fixed port: the approver remembers the server's URL when it pairs, so it must be the same next time.
const port = Number(process.env.COUNTERSIGN_PORT ?? DEFAULT_PORT);

interface Demo {
  apiKey: string;
  keyId: number;
}

const say = (line = '') => process.stdout.write(`${line}\n`);
/** A path as one shell word, whatever it contains. */
const shellQuote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`);

mkdirSync(dataDir, { recursive: true });
const server = await startServer({ db: dbPath, port, logger: { level: 'warn' } }).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(
    code === 'EADDRINUSE'
      ? `npm start: port ${port} is in use (another npm start?). Stop it, or pick another port: COUNTERSIGN_PORT=8788 npm start\n`
      : `npm start: the server did not start: ${(error as Error).message}\n`,
  );
  process.exit(1);
});
say(`✔ approval server listening on ${server.url} (database ${dbPath})`);

const store = openSqliteStore(dbPath);
const admin = new AdminCommands(store);
let user = await store.users.byName(DEMO_USER);
if (!user) {
  await admin.createUser(DEMO_USER);
  user = await store.users.byName(DEMO_USER);
  say(`✔ created the user "${DEMO_USER}"`);
} else {
  say(`✔ the user "${DEMO_USER}" exists`);
}
if (!user) throw new Error('the demo user was not stored');

const saved: Demo | null = existsSync(demoFile) ? (JSON.parse(readFileSync(demoFile, 'utf8')) as Demo) : null;
const savedKey = saved ? await store.credentials.byId(saved.keyId) : null;
let demo: Demo;
if (saved && savedKey && savedKey.userId === user.id) {
  demo = saved;
  say(`✔ the push-mode key "${savedKey.name}" exists (id ${demo.keyId})`);
} else {
  const name = `demo push key ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
  const created = await admin.createKey({ user: DEMO_USER, name, mode: 'push' });
  demo = { apiKey: created.api_key, keyId: created.id };
  writeFileSync(demoFile, `${JSON.stringify(demo, null, 2)}\n`);
  chmodSync(demoFile, 0o600);
  say(`✔ created the push-mode key "${name}" (id ${demo.keyId}); its value is kept in ${demoFile}`);
}

const devices = (await store.devices.listByUser(user.id)).filter((device) => !device.revoked);
const approverDataDir = join(dataDir, 'approver');
// The server may know a device whose local profile was deleted since: pair again then, too.
const approverHasProfile = existsSync(join(approverDataDir, 'approver.db'));
let pairingLink: string | null = null;
if (devices.length === 0 || !approverHasProfile) {
  const issued = await admin.pair(DEMO_USER, server.url);
  pairingLink = issued.pairing_url;
  say(`✔ issued a pairing code, valid until ${issued.expires_at}: ${pairingLink}`);
} else {
  say(`✔ ${devices.length} approver device(s) already paired with "${DEMO_USER}"; no pairing code needed`);
}
await admin.close();

writeFileSync(demoKeyFile, `${demo.apiKey}\n`, { mode: 0o600 });
chmodSync(demoKeyFile, 0o600);

say();
say(`  The demo key's value is in ${demoKeyFile} (mode 0600).`);
say('  Ask for a session with it (the approver shows the request; Approve gives this command its token):');
say(`    export COUNTERSIGN_API_KEY="$(cat ${shellQuote(demoKeyFile)})"`);
say(`    npx countersign-session --server ${server.url} --description "first try"`);
say();

let electron: ChildProcess | null = null;
const binary = findElectronBinary(root);
if (binary.found) {
  if (
    !existsSync(join(root, 'dist', 'main', 'index.js')) ||
    !existsSync(join(root, 'dist', 'renderer', 'index.html'))
  ) {
    say('… building the app (npm run build)');
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) {
      process.stderr.write('npm start: the build failed; the server keeps running. Ctrl-C to stop.\n');
    }
  }
  const args = ['.', ...(pairingLink ? [pairingLink] : [])];
  electron = spawn(binary.path, args, {
    cwd: root,
    stdio: 'inherit',
    // Its own profile under data/, so the demo never mixes with an installed Countersign.
    env: { ...process.env, COUNTERSIGN_USER_DATA: approverDataDir },
  });
  say(
    `✔ started the desktop approver (${binary.path})${pairingLink ? ' with the pairing link: confirm "Pair" in its dialog' : ''}`,
  );
  electron.on('exit', (code) => {
    say(`The desktop approver exited (${code ?? 'signal'}); stopping the server.`);
    electron = null;
    void stop(0);
  });
} else {
  say('✘ The Electron binary is not installed on this machine, so the desktop approver cannot start here.');
  say(`  (${binary.reason})`);
  say('  The server keeps running. Pair an approver where Electron runs with the link above (a pairing code lasts');
  say('  10 minutes; the next npm start issues a new one). Until an approver is paired, the session command above');
  say('  waits for an approval nobody can give and ends when the request expires.');
}
say('Ctrl-C stops everything.');

let stopping = false;
async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  electron?.kill('SIGTERM');
  await server.close();
  process.exit(exitCode);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
