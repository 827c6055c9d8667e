// Loads something through the bridge whenever its inputs change, and keeps the last good value while reloading.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BridgeError, Result } from '../types.js';

export interface Loaded<T> {
  value: T | null;
  error: BridgeError | null;
  loading: boolean;
  reload: () => void;
  /**
   * Replace the value locally after a change the server confirmed (saves a round trip). A read still in flight
   * started before the change, so its answer is dropped.
   */
  set: (update: (value: T | null) => T | null) => void;
}

export function useLoad<T>(load: (() => Promise<Result<T>>) | null, deps: readonly unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<BridgeError | null>(null);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);
  const latest = useRef(load);
  latest.current = load;

  const reload = useCallback(() => {
    const call = latest.current;
    if (!call) return;
    // Only the newest request may write: a slow answer for old filters must not replace a newer one.
    const mine = ++generation.current;
    setLoading(true);
    void call().then((result) => {
      if (mine !== generation.current) return;
      setLoading(false);
      if (result.ok) {
        setValue(result.value);
        setError(null);
      } else {
        setError(result.error);
      }
    });
  }, []);

  const set = useCallback((update: (value: T | null) => T | null) => {
    generation.current++;
    setLoading(false);
    setValue(update);
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(reload, deps);
  return { value, error, loading, reload, set };
}
