// The non-secret list of paired accounts in the local database.
import type { Db } from './database.js';

/** What is stored about an account; connection state and client IP are live and kept elsewhere. */
export interface StoredAccount {
  id: string;
  server: string;
  userId: number;
  userName: string;
  deviceId: number;
  deviceName: string;
  /** base64url of the raw Ed25519 public key: lets anyone check the decision signatures in the history. */
  publicKey: string;
  tlsFingerprint: string | null;
  created: string;
}

interface AccountRow {
  id: string;
  server: string;
  user_id: number;
  user_name: string;
  device_id: number;
  device_name: string;
  public_key: string;
  tls_fingerprint: string | null;
  created: string;
}

function fromRow(row: AccountRow): StoredAccount {
  return {
    id: row.id,
    server: row.server,
    userId: row.user_id,
    userName: row.user_name,
    deviceId: row.device_id,
    deviceName: row.device_name,
    publicKey: row.public_key,
    tlsFingerprint: row.tls_fingerprint,
    created: row.created,
  };
}

export class AccountStore {
  constructor(private readonly db: Db) {}

  /** Oldest first, so the list keeps its order as accounts are added. */
  all(): StoredAccount[] {
    const rows = this.db.prepare('SELECT * FROM account ORDER BY created, id').all() as AccountRow[];
    return rows.map(fromRow);
  }

  insert(account: StoredAccount): void {
    this.db
      .prepare(
        `INSERT INTO account (id, server, user_id, user_name, device_id, device_name, public_key, tls_fingerprint, created)
         VALUES (@id, @server, @userId, @userName, @deviceId, @deviceName, @publicKey, @tlsFingerprint, @created)`,
      )
      .run(account);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM account WHERE id = ?').run(id);
  }
}
