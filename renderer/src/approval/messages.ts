// The short, calm sentences the approval window says when a request leaves it.
import type { DecideOutcome, DecisionScope, EventPayloads } from '../types.js';
import { DURATION_WORDS } from './ScopeChoice.js';

export interface DecisionTaken {
  decision: 'APPROVE' | 'BLOCK';
  /** APPROVE: what it covers besides this session (absent: this session only). */
  scope?: DecisionScope;
  deactivateCredential: boolean;
  ip: string;
}

function approvedMessage(taken: DecisionTaken): string {
  const scope = taken.scope;
  if (!scope || scope.kind === 'session') return 'Approved. The program gets its session.';
  if (scope.kind === 'permit-ip') return `Approved. ${taken.ip} is now trusted for this key.`;
  const how = DURATION_WORDS[scope.duration];
  return scope.kind === 'installation'
    ? `Approved. This program's sessions open without asking for ${how}.`
    : `Approved. Sessions from this network open without asking for ${how}.`;
}

export function outcomeMessage(outcome: DecideOutcome, taken: DecisionTaken): string {
  switch (outcome.outcome) {
    case 'already-decided':
      return 'Already decided on another device. Nothing more to do here.';
    case 'expired':
      return 'Expired before your answer arrived. No session was opened.';
    case 'decided':
      if (outcome.bindingMismatch)
        return 'The code you typed is not the one the program showed, so the request was blocked.';
      if (outcome.status === 'ACCEPTED') return approvedMessage(taken);
      if (outcome.status === 'REJECTED')
        return taken.deactivateCredential ? 'Blocked, and the key is deactivated.' : 'Blocked.';
      return `The server recorded the request as ${outcome.status.toLowerCase()}.`;
  }
}

export function closedMessage(info: EventPayloads['approval:closed']): string {
  if (info.by === 'expiry' || info.status === 'EXPIRED') return 'Expired';
  if (info.status === 'ACCEPTED') return 'Approved on another device';
  if (info.status === 'REJECTED') return 'Blocked on another device';
  return 'Closed';
}
