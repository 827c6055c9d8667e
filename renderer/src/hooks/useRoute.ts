// The current route, following hash changes (links between views) and the shell's `app:navigate` event (a clicked
// notification, a tray menu entry) so an open window goes where it is told.
import { useEffect, useState } from 'react';
import { on } from '../bridge.js';
import { parseRoute, type Route, routeHash } from '../route.js';

export function navigate(route: Route): void {
  const hash = routeHash(route);
  if (window.location.hash !== hash) window.location.hash = hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    const stop = on('app:navigate', (target) => navigate(target));
    return () => {
      window.removeEventListener('hashchange', follow);
      stop();
    };
  }, []);
  return route;
}
