import type { StoreKind, UserRepository } from '../types.js';
import type { Db } from './db.js';

export function users(db: Db, kind: StoreKind): UserRepository {
  const select = () => db.selectFrom('users').select(['id', 'name', 'created', 'removed']);
  return {
    create: (name, created) =>
      db
        .insertInto('users')
        .values({ name, created })
        .returning(['id', 'name', 'created', 'removed'])
        .executeTakeFirstOrThrow(),
    byId: async (id) => (await select().where('id', '=', id).executeTakeFirst()) ?? null,
    // SQLite has no FOR UPDATE; its BEGIN IMMEDIATE already keeps every other writer out.
    hold: async (id) =>
      (await select()
        .where('id', '=', id)
        .$if(kind === 'postgres', (query) => query.forUpdate())
        .executeTakeFirst()) ?? null,
    byName: async (name) => (await select().where('name', '=', name).executeTakeFirst()) ?? null,
    list: () => select().orderBy('id').execute(),
    markRemoved: async (id, now) => {
      await db.updateTable('users').set({ removed: now }).where('id', '=', id).execute();
    },
  };
}
