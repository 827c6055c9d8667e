// A store whose transactions record no webhook event: for a server with no receiver configured, where an event
// would only be written, kept and pruned, unread (three rows per approval). Everything else passes through.
import type { Repositories, Store } from './types.js';

function quiet<R extends Repositories>(repositories: R): R {
  return { ...repositories, webhooks: { ...repositories.webhooks, recording: false, enqueue: async () => {} } };
}

export function withoutWebhookEvents(store: Store): Store {
  return {
    ...quiet(store),
    read: (work) => store.read((db) => work(quiet(db))),
    write: (work) => store.write((db) => work(quiet(db))),
    transaction: (work) => store.transaction((tx) => work(quiet(tx))),
  };
}
