// A one-time pairing code for another device of the same user: the link to open there, or the code to type.
import { CopyButton } from '../components/CopyButton.js';
import { formatTime } from '../format.js';
import type { PairingCodeIssued } from '../types.js';

export function InvitePanel({ invite, onClose }: { invite: PairingCodeIssued; onClose: () => void }) {
  return (
    <section className="invite" aria-label="Invitation for another device">
      <p>
        On the other device, open this link or enter the server and code in its Accounts window. It works once, until{' '}
        <time dateTime={invite.expires_at}>{formatTime(invite.expires_at)}</time>.
      </p>
      <dl className="facts">
        <div className="facts__row">
          <dt>Link</dt>
          <dd className="facts__wrap">
            <span className="mono">{invite.pairing_url}</span>{' '}
            <CopyButton value={invite.pairing_url} label="Copy the pairing link" />
          </dd>
        </div>
        <div className="facts__row">
          <dt>Code</dt>
          <dd>
            <span className="mono code-big">{invite.code}</span>{' '}
            <CopyButton value={invite.code} label="Copy the pairing code" />
          </dd>
        </div>
      </dl>
      <button type="button" className="button button--small" onClick={onClose}>
        Hide invitation
      </button>
    </section>
  );
}
