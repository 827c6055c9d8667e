// Runs one bridge call at a time for a button or form: busy while it runs (to disable the control and say so),
// and the error kept for display until the next attempt.
import { useCallback, useRef, useState } from 'react';
import type { BridgeError, Result } from '../types.js';

export interface Action<A extends unknown[], T> {
  run: (...args: A) => Promise<Result<T> | null>;
  busy: boolean;
  error: BridgeError | null;
  clearError: () => void;
}

export function useAction<A extends unknown[], T>(call: (...args: A) => Promise<Result<T>>): Action<A, T> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  const running = useRef(false);
  const latest = useRef(call);
  latest.current = call;

  const run = useCallback(async (...args: A) => {
    // A double click must not send a decision or create a key twice.
    if (running.current) return null;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      const result = await latest.current(...args);
      if (!result.ok) setError(result.error);
      return result;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  return { run, busy, error, clearError: useCallback(() => setError(null), []) };
}
