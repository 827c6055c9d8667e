// Numbered schema migrations of the approver's local database. Append only: a shipped migration never changes,
// a new one gets the next number. PRAGMA user_version records how far a database has come.
export const migrations: readonly string[] = [
  // 1: paired accounts (nothing secret: the private key lives in the keychain) and the local history.
  `CREATE TABLE account (
     id TEXT PRIMARY KEY,
     server TEXT NOT NULL,
     user_id INTEGER NOT NULL,
     user_name TEXT NOT NULL,
     device_id INTEGER NOT NULL,
     device_name TEXT NOT NULL,
     public_key TEXT NOT NULL,
     tls_fingerprint TEXT,
     created TEXT NOT NULL
   );
   CREATE TABLE history (
     account_id TEXT NOT NULL,
     uuid TEXT NOT NULL,
     credential_id INTEGER NOT NULL,
     credential_name TEXT NOT NULL,
     description TEXT,
     ip TEXT NOT NULL,
     user_agent TEXT,
     location TEXT,
     received_at TEXT NOT NULL,
     expiry_time TEXT NOT NULL,
     status TEXT NOT NULL,
     decision TEXT,
     decided_at TEXT,
     trust_ip INTEGER NOT NULL DEFAULT 0,
     deactivate_credential INTEGER NOT NULL DEFAULT 0,
     decision_signature TEXT,
     PRIMARY KEY (account_id, uuid)
   );
   CREATE INDEX history_received ON history (received_at);
   CREATE INDEX history_credential ON history (account_id, credential_id);`,
];
