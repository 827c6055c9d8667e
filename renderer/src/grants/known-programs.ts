// The requester installations ("programs") that have asked for a key, from the server's history of its requests,
// for the Pre-authorise form's program choice: each once, most recent first.
import type { ServerHistoryEntry } from '../types.js';

export interface KnownProgram {
  id: number;
  name: string;
  fingerprint: string;
}

export function knownPrograms(history: readonly ServerHistoryEntry[]): KnownProgram[] {
  const seen = new Map<number, KnownProgram>();
  for (const entry of history) {
    const installation = entry.installation;
    if (installation && !seen.has(installation.id)) seen.set(installation.id, { ...installation });
  }
  return [...seen.values()];
}
