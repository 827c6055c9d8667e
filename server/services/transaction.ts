// A transaction whose push messages go out only after it commits. The store may run the work more than once
// (PostgreSQL retries a transaction that lost a race), so each attempt collects into a fresh outbox and only the
// committed attempt's messages are sent. A hub spanning instances (PostgreSQL) sends its notices to the other
// instances with the commit itself: one round trip fewer, and no notice lost to a crash right after the commit.
import { Outbox } from '../push/outbox.js';
import type { Repositories } from '../store/types.js';
import type { ServiceContext } from './context.js';

export async function transactionWithOutbox<T>(
  ctx: ServiceContext,
  work: (tx: Repositories, outbox: Outbox) => Promise<T>,
): Promise<T> {
  let outbox = new Outbox();
  const result = await ctx.store.transaction(async (tx) => {
    outbox = new Outbox();
    const value = await work(tx, outbox);
    outbox.attachToCommit(tx, ctx.hub);
    return value;
  });
  outbox.flush(ctx.hub);
  return result;
}
