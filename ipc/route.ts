// The renderer's views and where one is shown, defined once: the window manager writes it into a window's URL
// hash, the `app:navigate` event and `app:open-window` carry it, and the renderer reads it back. The hash form is
// `#keys`, `#ips?accountId=a1&credentialId=7`, `#approval?uuid=…`; `account` and `key` are accepted as short forms
// for hand-written links.
import { z } from 'zod';

/** Windows (views) of the app. Each is the same renderer bundle showing one view, chosen by the URL hash. */
export const View = z.enum(['approval', 'keys', 'ips', 'history', 'accounts', 'devices', 'grants']);
export type View = z.infer<typeof View>;

/** What a view is opened at; every field optional. */
export const ViewParams = z.strictObject({
  accountId: z.string().min(1).max(64).optional(),
  credentialId: z.number().int().positive().optional(),
  uuid: z.uuid().optional(),
});
export type ViewParams = z.infer<typeof ViewParams>;

export interface Route extends ViewParams {
  view: View;
}

/** The URL hash of a route, as the window manager loads it and the renderer's links write it. */
export function routeHash(route: Route): string {
  const params = new URLSearchParams();
  if (route.accountId) params.set('accountId', route.accountId);
  if (route.credentialId !== undefined) params.set('credentialId', String(route.credentialId));
  if (route.uuid) params.set('uuid', route.uuid);
  const query = params.toString();
  return `#${route.view}${query ? `?${query}` : ''}`;
}

/** The route a hash names; anything unknown falls back to the approval view without parameters. */
export function parseRoute(hash: string): Route {
  const [name = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const known = View.safeParse(name);
  const route: Route = { view: known.success ? known.data : 'approval' };
  const params = new URLSearchParams(query);
  const accountId = params.get('accountId') ?? params.get('account');
  if (accountId) route.accountId = accountId;
  const credentialId = Number(params.get('credentialId') ?? params.get('key'));
  if (Number.isInteger(credentialId) && credentialId > 0) route.credentialId = credentialId;
  const uuid = params.get('uuid');
  if (uuid) route.uuid = uuid;
  return route;
}
