// countersign-admin: user create, key create, pair. Prints one JSON object on stdout; a pairing QR code goes to
// stderr, and only when stderr is a terminal (so stdout stays machine-readable).
import { parseArgs } from 'node:util';
import { Limits } from '../../protocol/index.js';
import qrcode from 'qrcode-terminal';
import { databaseOption } from '../cli-args.js';
import { DB_PASSWORD_FLAGS, withDbPassword } from '../cli-secrets.js';
import { AdminCommands, AdminError } from './commands.js';
import { runRecovery } from './recovery-cli.js';
import { runWebhookCommand } from './webhook-cli.js';

const HELP = `Usage:
  countersign-admin [--db FILE|URL] user create NAME
  countersign-admin [--db FILE|URL] user remove NAME
  countersign-admin [--db FILE|URL] key create --user NAME --name LABEL --mode ip-only|push|push-unless-trusted
                                               [--ip A.B.C.D]... [--code-length N] [--code-fallback]
  countersign-admin [--db FILE|URL] pair --user NAME --server URL
  countersign-admin [--db FILE|URL] device list --user NAME
  countersign-admin [--db FILE|URL] device remove --user NAME --device ID
  countersign-admin [--db FILE|URL] key list --user NAME
  countersign-admin [--db FILE|URL] key deactivate --key ID
  countersign-admin [--db FILE|URL] webhook status
  countersign-admin [--db FILE|URL] webhook redeliver --event ID | --failed

Manages users, API keys and device pairing codes in a Countersign server database (it may be running).
device remove and key deactivate are for a user who lost a device (or every one): the user's connected devices
are told, the removed device's stream closes, and a deactivated key's sessions end and its requests are refused.
--code-length N: the requester shows an N-digit code (0-8, default 3) that the owner types to approve; 0 for
an unattended bot whose output nobody reads (--number-matching, from before typed codes, means the default).
--code-fallback lets a TOTP code from the owner's desktop open a session in place of a push approval.
--db defaults to the server's default ($XDG_DATA_HOME/countersign/countersign.db, else ~/.local/share/…);
a postgres://USER@HOST/DATABASE URL works on the database of PostgreSQL server instances, with the password
from --db-password-file FILE (its first line) or PGPASSWORD — a password in the URL works too, but warns: the
process list shows it to every user of the machine.
user remove deactivates the user's keys, removes its devices and ends its pairing codes (the history stays).
Output is JSON on stdout: {id,name} · {id,name,removed_at,keys_deactivated,devices_removed} · {id,api_key} (the key is shown only now) · {pairing_url,code,expires_at}
· {user,devices} · {id,name,platform,removed_at} · {user,keys} · the deactivated key
· {pending,delivered,failing,given_up,receivers,oldest_undelivered} · {redelivered:[event ids]}.
webhook status counts the signed webhooks (countersign-server --webhook-url) by state, with each receiver's
last error; webhook redeliver sends one event (--event evt_…) or every failed one (--failed) again now.
`;

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      user: { type: 'string' },
      name: { type: 'string' },
      mode: { type: 'string' },
      ip: { type: 'string', multiple: true },
      'number-matching': { type: 'boolean' },
      'code-length': { type: 'string' },
      'code-fallback': { type: 'boolean' },
      server: { type: 'string' },
      device: { type: 'string' },
      key: { type: 'string' },
      event: { type: 'string' },
      failed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...DB_PASSWORD_FLAGS,
    },
  });
}

function codeLengthOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-8]$/.test(value)) {
    throw new AdminError(`--code-length must be a whole number from 0 to 8 (got "${value}"); 0 asks for no code.`);
  }
  return Number(value);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new AdminError(`${flag} is required.`);
  return value;
}

async function run(argv: string[]): Promise<unknown> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new AdminError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return 'help';
  const command = positionals.join(' ');
  const warn = (warning: string) => process.stderr.write(`countersign-admin: ${warning}\n`);
  let db: string;
  try {
    db = withDbPassword(databaseOption(values.db, process.env), values, warn);
  } catch (error) {
    throw new AdminError((error as Error).message);
  }
  const admin = await AdminCommands.open(db);
  try {
    if (positionals[0] === 'user' && positionals[1] === 'create' && positionals.length === 3) {
      return await admin.createUser(positionals[2]!);
    }
    if (positionals[0] === 'user' && positionals[1] === 'remove' && positionals.length === 3) {
      return await admin.removeUser(positionals[2]!);
    }
    if (command === 'key create') {
      if (values.mode === 'ip-only' && (values.ip ?? []).length === 0) {
        process.stderr.write(
          'countersign-admin: warning: an ip-only key without --ip opens no session until an IP is added.\n',
        );
      }
      return await admin.createKey({
        user: required(values.user, '--user NAME'),
        name: required(values.name, '--name LABEL'),
        mode: required(values.mode, '--mode ip-only|push|push-unless-trusted'),
        ips: values.ip ?? [],
        // A new key asks for a 3-digit code unless told (--number-matching, from before typed codes, says the same).
        codeLength: codeLengthOption(values['code-length']) ?? Limits.DEFAULT_CODE_LENGTH,
        codeFallback: values['code-fallback'] === true,
      });
    }
    if (command === 'pair') {
      return await admin.pair(required(values.user, '--user NAME'), required(values.server, '--server URL'));
    }
    const recovery = await runRecovery(admin, command, values);
    if (recovery !== undefined) return recovery;
    const webhook = await runWebhookCommand(admin, command, values);
    if (webhook !== undefined) return webhook;
    throw new AdminError(`Unknown command "${command}".`);
  } finally {
    await admin.close();
  }
}

async function main(): Promise<number> {
  try {
    const result = await run(process.argv.slice(2));
    if (result === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    const url = (result as { pairing_url?: string }).pairing_url;
    if (url && process.stderr.isTTY) {
      qrcode.generate(url, { small: true }, (qr) => process.stderr.write(`${qr}\n`));
    }
    return 0;
  } catch (error) {
    const hint = error instanceof AdminError ? '\nRun countersign-admin --help for usage.' : '';
    process.stderr.write(`countersign-admin: ${(error as Error).message}${hint}\n`);
    return 1;
  }
}

process.exitCode = await main();
