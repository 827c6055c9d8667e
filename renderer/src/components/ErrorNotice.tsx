// An error from the app, shown in words: a short title for the kind of failure and the core's message (which says
// what to do). role="alert" so it is announced the moment it appears.
import type { BridgeError } from '../types.js';

const TITLES: Record<BridgeError['code'], string> = {
  INVALID_INPUT: 'That input was not accepted',
  KEYCHAIN_UNAVAILABLE: 'No keychain available',
  KEYCHAIN_LOCKED: 'The keychain is locked',
  INSECURE_TRANSPORT: 'Insecure connection refused',
  TLS_CERTIFICATE_CHANGED: 'The server’s certificate changed',
  NETWORK: 'Cannot reach the server',
  PAIRING_FAILED: 'Pairing failed',
  UNAUTHORIZED: 'The server no longer accepts this desktop',
  NOT_FOUND: 'Not found',
  PIN_REQUIRED: 'PIN needed',
  PIN_WRONG: 'Wrong PIN',
  PIN_LOCKED_OUT: 'Too many wrong PINs',
  SERVER: 'The server refused',
  INTERNAL: 'Something went wrong in Countersign',
};

export function ErrorNotice({ error, onDismiss }: { error: BridgeError | null; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">{TITLES[error.code] ?? 'Error'}</p>
      <p className="notice__body">
        {error.message}
        {error.status ? <span className="muted"> (HTTP {error.status})</span> : null}
      </p>
      {onDismiss ? (
        <button type="button" className="button button--small" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
