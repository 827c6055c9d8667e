// Which view a window shows and with which parameters, read from the URL hash: `#keys`, `#ips?accountId=a1&
// credentialId=7`, `#approval?uuid=…`. The shell writes the long parameter names; `account` and `key` are accepted
// as short forms for hand-written links.
import type { View } from './types.js';

export interface Route {
  view: View;
  accountId?: string;
  credentialId?: number;
  uuid?: string;
}

const VIEWS: readonly View[] = ['approval', 'keys', 'ips', 'history', 'accounts'];

export function parseRoute(hash: string): Route {
  const [name = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const view = (VIEWS as readonly string[]).includes(name) ? (name as View) : 'approval';
  const params = new URLSearchParams(query);
  const route: Route = { view };
  const accountId = params.get('accountId') ?? params.get('account');
  if (accountId) route.accountId = accountId;
  const credentialId = Number(params.get('credentialId') ?? params.get('key'));
  if (Number.isInteger(credentialId) && credentialId > 0) route.credentialId = credentialId;
  const uuid = params.get('uuid');
  if (uuid) route.uuid = uuid;
  return route;
}

export function routeHash(route: Route): string {
  const params = new URLSearchParams();
  if (route.accountId) params.set('accountId', route.accountId);
  if (route.credentialId !== undefined) params.set('credentialId', String(route.credentialId));
  if (route.uuid) params.set('uuid', route.uuid);
  const query = params.toString();
  return `#${route.view}${query ? `?${query}` : ''}`;
}
