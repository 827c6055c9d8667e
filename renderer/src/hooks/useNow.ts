import { useEffect, useState } from 'react';

/** The current time in ms, re-rendering every `intervalMs` (for countdowns and "3 minutes ago"). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
