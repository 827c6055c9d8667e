// Numbered schema migrations of the server database. Append only: a shipped migration never changes, a new one
// gets the next number. PRAGMA user_version records how far a database has come, so an older file is brought
// forward on open and a newer one (from a later server) is refused instead of being misread.
export const migrations: readonly string[] = [
  // 1: users, API keys (hash only) and their permitted IPs, session requests (with the decision evidence),
  // sessions (token hash only), approver devices, pairing codes (hash only), seen device signatures (replay).
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     created INTEGER NOT NULL
   );
   CREATE TABLE credentials (
     id INTEGER PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id),
     name TEXT NOT NULL,
     key_hash TEXT NOT NULL UNIQUE,
     mode TEXT NOT NULL CHECK (mode IN ('ip-only', 'push', 'push-unless-trusted')),
     number_matching INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('PENDING_FIRST_USE', 'ACTIVE', 'INACTIVE', 'LOCKED')),
     created INTEGER NOT NULL,
     updated INTEGER NOT NULL,
     expiry_time INTEGER,
     last_used INTEGER,
     permitted_device_description TEXT,
     permitted_device_ip TEXT,
     blocks_counted_since INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX credentials_user ON credentials (user_id);
   CREATE TABLE permitted_ips (
     id INTEGER PRIMARY KEY,
     credential_id INTEGER NOT NULL REFERENCES credentials(id),
     ip TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE')),
     created INTEGER NOT NULL,
     updated INTEGER NOT NULL,
     UNIQUE (credential_id, ip)
   );
   CREATE TABLE session_requests (
     seq INTEGER PRIMARY KEY,
     uuid TEXT NOT NULL UNIQUE,
     credential_id INTEGER NOT NULL REFERENCES credentials(id),
     user_id INTEGER NOT NULL REFERENCES users(id),
     status TEXT NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED')),
     description TEXT,
     ip TEXT NOT NULL,
     ip_known INTEGER NOT NULL,
     user_agent TEXT,
     geolocation TEXT,
     binding_code TEXT,
     binding_choices TEXT,
     created INTEGER NOT NULL,
     expiry_time INTEGER NOT NULL,
     decided_at INTEGER,
     decided_by_device_id INTEGER,
     decision TEXT CHECK (decision IN ('APPROVE', 'BLOCK')),
     trust_ip INTEGER NOT NULL DEFAULT 0,
     deactivate_credential INTEGER NOT NULL DEFAULT 0,
     binding_mismatch INTEGER NOT NULL DEFAULT 0,
     decision_signature TEXT,
     auto_accepted INTEGER NOT NULL DEFAULT 0,
     token_delivered INTEGER NOT NULL DEFAULT 0,
     session_id INTEGER
   );
   CREATE INDEX session_requests_pending ON session_requests (status, expiry_time);
   CREATE INDEX session_requests_credential ON session_requests (credential_id, status);
   CREATE INDEX session_requests_user ON session_requests (user_id, seq);
   CREATE TABLE sessions (
     id INTEGER PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     credential_id INTEGER NOT NULL REFERENCES credentials(id),
     user_id INTEGER NOT NULL REFERENCES users(id),
     ip TEXT NOT NULL,
     created INTEGER NOT NULL,
     expires INTEGER NOT NULL,
     ended INTEGER
   );
   CREATE TABLE devices (
     id INTEGER PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id),
     name TEXT NOT NULL,
     platform TEXT NOT NULL,
     public_key TEXT NOT NULL,
     created INTEGER NOT NULL,
     last_seen INTEGER,
     revoked INTEGER
   );
   CREATE INDEX devices_user ON devices (user_id);
   CREATE TABLE pairing_codes (
     code_hash TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id),
     created INTEGER NOT NULL,
     expires INTEGER NOT NULL,
     used_at INTEGER
   );
   CREATE TABLE seen_signatures (
     device_id INTEGER NOT NULL,
     signature TEXT NOT NULL,
     seen_at INTEGER NOT NULL,
     PRIMARY KEY (device_id, signature)
   ) WITHOUT ROWID;
   CREATE INDEX seen_signatures_age ON seen_signatures (seen_at);`,
  // 2: the offline code fallback (TOTP). Each device's secret sealed with the operator's key (AES-256-GCM, never
  // in clear); per key whether codes may open sessions; history marks sessions opened by code and wrong codes
  // (which count toward the lock like BLOCKs); each (device, time step) is accepted once, across restarts.
  `ALTER TABLE devices ADD COLUMN totp_secret_sealed TEXT;
   ALTER TABLE credentials ADD COLUMN allow_code_fallback INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE session_requests ADD COLUMN approved_by_code INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE session_requests ADD COLUMN wrong_code INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE used_totp_steps (
     device_id INTEGER NOT NULL,
     step INTEGER NOT NULL,
     used_at INTEGER NOT NULL,
     PRIMARY KEY (device_id, step)
   ) WITHOUT ROWID;
   CREATE INDEX used_totp_steps_age ON used_totp_steps (used_at);`,
  // 3: every lock of a key, with what the owner was told and how many open sessions it ended (an instance that
  // missed the notice reads them from here).
  `CREATE TABLE credential_locks (
     id INTEGER PRIMARY KEY,
     credential_id INTEGER NOT NULL REFERENCES credentials(id),
     user_id INTEGER NOT NULL REFERENCES users(id),
     locked_at INTEGER NOT NULL,
     reason TEXT NOT NULL,
     sessions_ended INTEGER NOT NULL
   );
   CREATE INDEX credential_locks_time ON credential_locks (locked_at);`,
  // 4: devices are enrolled and removed in the open. Each pairing code names the device that made it (null: the
  // operator); every pairing and removal is an audit-trail event the user's devices are told about.
  `ALTER TABLE pairing_codes ADD COLUMN invited_by_device_id INTEGER;
   CREATE INDEX pairing_codes_user ON pairing_codes (user_id, expires);
   CREATE TABLE device_events (
     id INTEGER PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id),
     kind TEXT NOT NULL CHECK (kind IN ('paired', 'removed')),
     device_id INTEGER NOT NULL REFERENCES devices(id),
     ip TEXT,
     at INTEGER NOT NULL,
     by_device_id INTEGER REFERENCES devices(id)
   );
   CREATE INDEX device_events_user ON device_events (user_id, id);
   CREATE INDEX device_events_at ON device_events (at);`,
  // 5: the indexes PostgreSQL has had from its first migration: deactivating a key ends its sessions by
  // credential_id (without the index that scanned all of sessions while holding the only write lock), a push hub's
  // resync reads requests created or decided and devices revoked since a time. And, as on PostgreSQL (its
  // migration 4), what the sweeper prunes by: sessions past their expiry, and ended ones (a partial index, so the
  // insert of a new, live session does not touch it).
  `CREATE INDEX sessions_credential ON sessions (credential_id);
   CREATE INDEX session_requests_created ON session_requests (created);
   CREATE INDEX session_requests_decided ON session_requests (decided_at);
   CREATE INDEX devices_revoked ON devices (revoked);
   CREATE INDEX sessions_expires ON sessions (expires);
   CREATE INDEX sessions_ended ON sessions (ended) WHERE ended IS NOT NULL;`,
  // 6: a requester may bind its request to a claim only it knows (X-Countersign-Claim, kept as its hash), so a
  // lost token reply can be collected again by it alone for a short time after delivery (delivered_at).
  `ALTER TABLE session_requests ADD COLUMN claim_hash TEXT;
   ALTER TABLE session_requests ADD COLUMN delivered_at INTEGER;`,
  // 7: requester installations (a program's Ed25519 key, registered with one API key, signing its calls; their
  // signatures remembered against replay) and grants (approvals covering an installation, a network or anywhere
  // for a time and at most N sessions). Session requests name the installation that signed them, the grant or
  // permitted IP that let them in, and the grant their approval made.
  `CREATE TABLE requester_installations (
     id INTEGER PRIMARY KEY,
     credential_id INTEGER NOT NULL REFERENCES credentials(id),
     public_key TEXT NOT NULL,
     name TEXT NOT NULL,
     created INTEGER NOT NULL,
     last_used INTEGER,
     sessions_opened INTEGER NOT NULL DEFAULT 0,
     UNIQUE (credential_id, public_key)
   );
   CREATE TABLE requester_signatures (
     installation_id INTEGER NOT NULL,
     signature TEXT NOT NULL,
     seen_at INTEGER NOT NULL,
     PRIMARY KEY (installation_id, signature)
   ) WITHOUT ROWID;
   CREATE INDEX requester_signatures_age ON requester_signatures (seen_at);
   CREATE TABLE grants (
     id INTEGER PRIMARY KEY,
     credential_id INTEGER NOT NULL REFERENCES credentials(id),
     user_id INTEGER NOT NULL REFERENCES users(id),
     kind TEXT NOT NULL CHECK (kind IN ('installation', 'network', 'anywhere')),
     installation_id INTEGER REFERENCES requester_installations(id),
     network TEXT,
     created INTEGER NOT NULL,
     created_by_device_id INTEGER NOT NULL REFERENCES devices(id),
     request_uuid TEXT,
     expires_at INTEGER NOT NULL,
     max_uses INTEGER,
     uses INTEGER NOT NULL DEFAULT 0,
     last_used INTEGER,
     revoked_at INTEGER,
     revoked_by_device_id INTEGER REFERENCES devices(id),
     changed_at INTEGER NOT NULL
   );
   CREATE INDEX grants_credential ON grants (credential_id, revoked_at);
   CREATE INDEX grants_changed ON grants (changed_at);
   ALTER TABLE session_requests ADD COLUMN installation_id INTEGER REFERENCES requester_installations(id);
   ALTER TABLE session_requests ADD COLUMN grant_id INTEGER REFERENCES grants(id);
   ALTER TABLE session_requests ADD COLUMN permitted_ip TEXT;
   ALTER TABLE session_requests ADD COLUMN grant_created INTEGER REFERENCES grants(id);
   CREATE INDEX session_requests_grant ON session_requests (grant_id);`,
  // 8: signed webhooks: an outbox row per event, written with the change it tells of and delivered by a
  // background worker (lease, retries with backoff); delivered rows are pruned after some days. And when the
  // operator removed a user (its keys deactivated and devices removed; the row stays for the history).
  `CREATE TABLE webhook_outbox (
     seq INTEGER PRIMARY KEY,
     event_id TEXT NOT NULL UNIQUE,
     type TEXT NOT NULL,
     payload TEXT NOT NULL,
     created INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     lease_owner TEXT,
     lease_until INTEGER,
     delivered_at INTEGER,
     given_up_at INTEGER,
     done_urls TEXT NOT NULL DEFAULT '[]',
     last_errors TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;
   CREATE INDEX webhook_outbox_delivered ON webhook_outbox (delivered_at);
   ALTER TABLE users ADD COLUMN removed INTEGER;`,
  // 9: approval context. Each request keeps what the server saw of its address when it came in (GeoIP country,
  // region, city and coordinates, the network's AS number and name, whether the lookup found it), what changed since
  // the key's last approved session, and how many identical attempts were merged into it. Each key has a code
  // length (the code the requester shows and the owner types); keys with number matching get a 2-digit code, keys
  // without keep none. approver_presence and server_instances exist only on PostgreSQL.
  `ALTER TABLE session_requests ADD COLUMN observed_country TEXT;
   ALTER TABLE session_requests ADD COLUMN observed_region TEXT;
   ALTER TABLE session_requests ADD COLUMN observed_city TEXT;
   ALTER TABLE session_requests ADD COLUMN observed_latitude REAL;
   ALTER TABLE session_requests ADD COLUMN observed_longitude REAL;
   ALTER TABLE session_requests ADD COLUMN observed_asn INTEGER;
   ALTER TABLE session_requests ADD COLUMN observed_asn_name TEXT;
   ALTER TABLE session_requests ADD COLUMN observed_lookup TEXT;
   ALTER TABLE session_requests ADD COLUMN changes TEXT;
   ALTER TABLE session_requests ADD COLUMN repeat_count INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE credentials ADD COLUMN code_length INTEGER NOT NULL DEFAULT 0 CHECK (code_length BETWEEN 0 AND 8);
   UPDATE credentials SET code_length = 2 WHERE number_matching = 1;
   CREATE INDEX session_requests_accepted ON session_requests (credential_id, status, seq);`,
  // 10: session_requests_credential (credential_id, status) is a prefix of session_requests_accepted
  // (credential_id, status, seq), which serves every query it did; each one kept costs a write on every new request
  // and every change of status.
  `DROP INDEX session_requests_credential;`,
  // 11: a session attempt that carries a claim is answered with the key's request of that claim, if there is one: a
  // requester whose POST got no reply (its reply may have carried the token) sends it again instead of asking the
  // owner twice. Claims are random per request, so the hash alone finds the row.
  `CREATE INDEX session_requests_claim ON session_requests (claim_hash) WHERE claim_hash IS NOT NULL;`,
  // 12: the claim's index carries the key too, as PostgreSQL's does (its migration 11): the look-up asks for both,
  // and a planner that has no statistics yet then has one index that answers the whole condition.
  `DROP INDEX session_requests_claim;
   CREATE INDEX session_requests_claim ON session_requests (claim_hash, credential_id) WHERE claim_hash IS NOT NULL;`,
  // 13: a new request has no decision time and almost never a grant, so these two indexes hold only rows that have
  // one: a new request is not written to them at all (two index pages fewer in every request's commit), and every
  // query through them asks for a value (decided_at >= ?, grant_id = ?), which implies it is not null.
  `DROP INDEX session_requests_decided;
   CREATE INDEX session_requests_decided ON session_requests (decided_at) WHERE decided_at IS NOT NULL;
   DROP INDEX session_requests_grant;
   CREATE INDEX session_requests_grant ON session_requests (grant_id) WHERE grant_id IS NOT NULL;`,
];
