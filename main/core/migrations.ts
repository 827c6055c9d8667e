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
  // 2: enrolment notices from the push stream (device.paired / device.removed), one row per server event, so an
  // event the server sends twice is shown once, and a notice waits for the user across restarts.
  `CREATE TABLE device_notice (
     account_id TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
     event_id INTEGER NOT NULL,
     kind TEXT NOT NULL,
     device_id INTEGER NOT NULL,
     device_name TEXT NOT NULL,
     device_platform TEXT NOT NULL,
     ip TEXT,
     at TEXT NOT NULL,
     by_device_id INTEGER,
     by_name TEXT,
     by_this_device INTEGER NOT NULL,
     removable INTEGER NOT NULL,
     received_at TEXT NOT NULL,
     dismissed_at TEXT,
     PRIMARY KEY (account_id, event_id)
   );
   CREATE INDEX device_notice_device ON device_notice (account_id, device_id);`,
];
