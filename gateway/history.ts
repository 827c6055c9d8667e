// The gateway's history: one JSON line per request that reached an upstream's prefix, forwarded or refused, with
// method, path (no query: a query may carry the injected secret or the script's own), status and who asked.
// Never a header, a body or a secret. A plain append-only file: each gateway instance writes its own, it needs no
// schema or migration, and logrotate, grep and jq work on it. (The owner's desktop History shows the sessions the
// server holds; showing gateway calls there would need a server endpoint and is left for later.)
import { createWriteStream, type WriteStream } from 'node:fs';

export interface HistoryEntry {
  at: string;
  upstream: string;
  method: string;
  path: string;
  status: number;
  /** forwarded: the upstream answered (status is its answer); refused: the gateway answered itself. */
  outcome: 'forwarded' | 'refused' | 'upstream_error';
  session_id: number | null;
  credential_id: number | null;
  ip: string;
  ms: number;
}

export interface History {
  record(entry: HistoryEntry): void;
  close(): Promise<void>;
}

export function openHistory(file: string | null): History {
  if (file === null) return { record: () => {}, close: async () => {} };
  const stream: WriteStream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  return {
    record: (entry) => {
      stream.write(`${JSON.stringify(entry)}\n`);
    },
    close: () => new Promise<void>((done) => stream.end(done)),
  };
}
