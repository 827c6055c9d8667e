// Input checks before anything is sent, with the very schemas main validates with: taken from the IPC contract's
// schema, so the renderer cannot drift from what main accepts.
import type { z } from 'zod';
import { ipcSchema } from '../../ipc/contract.js';

/** The contract's PermittedIpValue: one IPv4/IPv6 address, or "*" for any. */
const PermittedIpValue = ipcSchema['ips:add'].args.def.items[2];
/** The contract's CredentialCreate (name, mode, number_matching, ips). */
export const CredentialCreate = ipcSchema['keys:create'].args.def.items[1];

/** null when the value is a permitted IP, else the reason in words. */
export function ipProblem(value: string): string | null {
  const parsed = PermittedIpValue.safeParse(value);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'not a valid IP address');
}

/** The first problem with a schema's input, in words, naming the field. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid input';
  const field = issue.path.length ? `${issue.path.join(' ')}: ` : '';
  return `${field}${issue.message}`;
}

/** The contract's GrantCreate (scope, installation_id, network, minutes, max_uses). */
export const GrantCreate = ipcSchema['grants:create'].args.def.items[2];
