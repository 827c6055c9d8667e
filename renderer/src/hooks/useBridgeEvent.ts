import { useEffect, useRef } from 'react';
import { on } from '../bridge.js';
import type { EventPayloads } from '../types.js';

/** Listens to a main → renderer event for as long as the component lives; the latest listener is always called. */
export function useBridgeEvent<E extends keyof EventPayloads>(event: E, listener: (payload: EventPayloads[E]) => void) {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => on(event, (payload) => latest.current(payload)), [event]);
}
