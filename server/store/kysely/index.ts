// Every repository over one Kysely instance: the store's own for single statements, or one bound to a
// transaction's connection.
import type { Repositories, StoreKind } from '../types.js';
import { credentialLocks } from './credential-locks.js';
import { credentials } from './credentials.js';
import type { Db } from './db.js';
import { deviceEvents } from './device-events.js';
import { devices } from './devices.js';
import { grants } from './grants.js';
import { installations, requesterSignatures } from './installations.js';
import { pairingCodes } from './pairing-codes.js';
import { permittedIps } from './permitted-ips.js';
import { requests } from './requests.js';
import { seenSignatures } from './seen-signatures.js';
import { sessions } from './sessions.js';
import { totp } from './totp.js';
import { users } from './users.js';
import { webhookOutbox } from './webhook-outbox.js';

export function repositories(db: Db, kind: StoreKind): Repositories {
  return {
    users: users(db, kind),
    credentials: credentials(db, kind),
    permittedIps: permittedIps(db, kind),
    requests: requests(db, kind),
    sessions: sessions(db, kind),
    devices: devices(db, kind),
    pairingCodes: pairingCodes(db),
    seenSignatures: seenSignatures(db, kind),
    totp: totp(db),
    locks: credentialLocks(db),
    deviceEvents: deviceEvents(db),
    installations: installations(db),
    requesterSignatures: requesterSignatures(db),
    grants: grants(db),
    webhooks: webhookOutbox(db, kind),
  };
}
