import type { Database } from 'better-sqlite3';
import type { UserRepository, UserRow } from '../types.js';
import type { Exec } from './gate.js';

export function sqliteUsers(db: Database, exec: Exec): UserRepository {
  const insert = db.prepare('INSERT INTO users (name, created) VALUES (?, ?) RETURNING id, name, created');
  const byId = db.prepare('SELECT id, name, created FROM users WHERE id = ?');
  const byName = db.prepare('SELECT id, name, created FROM users WHERE name = ?');
  return {
    create: (name, created) => exec(() => insert.get(name, created) as UserRow),
    byId: (id) => exec(() => (byId.get(id) as UserRow | undefined) ?? null),
    byName: (name) => exec(() => (byName.get(name) as UserRow | undefined) ?? null),
  };
}
