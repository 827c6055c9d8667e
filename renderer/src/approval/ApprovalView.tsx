// The approval window: a screen in its own strong colour (used nowhere else, so it is never mistaken for another
// one), the waiting requests as a queue, one request in detail, and short messages when a request leaves — decided
// here, decided on another device, or expired.
import { useCallback, useEffect, useRef, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAccounts } from '../hooks/useAccounts.js';
import { useBridgeEvent } from '../hooks/useBridgeEvent.js';
import type { Route } from '../route.js';
import type { BridgeError, PendingApproval } from '../types.js';
import { ApprovalCard } from './ApprovalCard.js';
import { ApprovalQueue, approvalKey } from './ApprovalQueue.js';
import { closedMessage, outcomeMessage } from './messages.js';

interface Notice {
  id: number;
  keyName: string;
  text: string;
  tone: 'success' | 'info';
}

/** How long a "request closed" message stays (the window hides itself once the queue is empty). */
const NOTICE_MS = 15_000;

export function ApprovalView({ route }: { route: Route }) {
  const [pending, setPending] = useState<PendingApproval[] | null>(null);
  const [loadError, setLoadError] = useState<BridgeError | null>(null);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const { accounts } = useAccounts();
  // Names of requests seen, so a message can still say which key once the request has left the list.
  const seen = useRef(new Map<string, string>());
  const nextNoticeId = useRef(1);

  const remember = useCallback((list: PendingApproval[]) => {
    for (const approval of list) seen.current.set(approval.request.uuid, approval.request.credential.name);
    setPending(list);
  }, []);

  useEffect(() => {
    void invoke('approvals:list').then((result) => {
      if (result.ok) remember(result.value);
      else setLoadError(result.error);
    });
  }, [remember]);
  useBridgeEvent('approvals:changed', remember);

  const addNotice = (keyName: string, text: string, tone: Notice['tone']) => {
    const id = nextNoticeId.current++;
    setNotices((list) => [...list.slice(-2), { id, keyName, text, tone }]);
    window.setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), NOTICE_MS);
  };
  useBridgeEvent('approval:closed', (info) =>
    addNotice(seen.current.get(info.uuid) ?? 'a key', closedMessage(info), 'info'),
  );

  // A notification click (navigate with a uuid) selects that request.
  useEffect(() => {
    if (!route.uuid || !pending) return;
    const match = pending.find((approval) => approval.request.uuid === route.uuid);
    if (match) setSelectedKey(approvalKey(match));
  }, [route.uuid, pending]);

  const list = pending ?? [];
  const current = list.find((approval) => approvalKey(approval) === selectedKey) ?? list[0];

  return (
    <div className="approval-screen">
      <header className="approval-band">
        <p className="approval-band__eyebrow">Countersign · approval request</p>
        <h1 className="approval-band__title">{current ? 'Approve this session?' : 'No requests waiting'}</h1>
        <p className="approval-band__count" aria-live="polite">
          {pending === null
            ? 'Loading…'
            : list.length === 0
              ? 'A request appears here when a program asks for a session with one of your keys.'
              : list.length === 1
                ? '1 request waiting for your answer'
                : `${list.length} requests waiting for your answer`}
        </p>
      </header>

      <main className="approval-main">
        <div className="approval-notices" role="status">
          {notices.map((notice) => (
            <p key={notice.id} className={`notice notice--${notice.tone}`}>
              <span className="notice__title">{notice.keyName}:</span> {notice.text}
            </p>
          ))}
        </div>
        <ErrorNotice error={loadError} />
        {list.length > 1 && current ? (
          <ApprovalQueue pending={list} selectedKey={approvalKey(current)} onSelect={setSelectedKey} />
        ) : null}
        {current ? (
          <ApprovalCard
            key={approvalKey(current)}
            approval={current}
            account={
              accounts && accounts.length > 1 ? accounts.find((account) => account.id === current.accountId) : undefined
            }
            onDecided={(outcome, taken) =>
              addNotice(
                current.request.credential.name,
                outcomeMessage(outcome, taken),
                outcome.outcome === 'decided' ? 'success' : 'info',
              )
            }
          />
        ) : null}
      </main>
    </div>
  );
}
