// The frame of the management windows (keys, IPs, history, devices, accounts): a header with the app name and links between
// the views, one <main> per view. The approval window has its own, deliberately different, frame.
import type { ReactNode } from 'react';
import type { View } from '../types.js';
import { DeviceNotices } from './DeviceNotices.js';
import { LockedKeyNotices } from './LockedKeyNotices.js';
import { SessionNotices } from './SessionNotices.js';

const LINKS: { view: View; label: string }[] = [
  { view: 'keys', label: 'Keys' },
  { view: 'ips', label: 'IP addresses' },
  { view: 'grants', label: 'Grants' },
  { view: 'history', label: 'History' },
  { view: 'devices', label: 'Devices' },
  { view: 'accounts', label: 'Accounts' },
];

export function ManageLayout({
  view,
  title,
  children,
  onDeviceRemoved,
}: {
  view: View;
  title: string;
  children: ReactNode;
  /** A device was removed from a notice here (the view showing devices reloads them). */
  onDeviceRemoved?: () => void;
}) {
  return (
    <div className="manage">
      <header className="topbar">
        <span className="topbar__brand">Countersign</span>
        <nav aria-label="Views">
          <ul className="topbar__links">
            {LINKS.map((link) => (
              <li key={link.view}>
                <a href={`#${link.view}`} aria-current={link.view === view ? 'page' : undefined}>
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="manage__main">
        <h1>{title}</h1>
        <LockedKeyNotices />
        <DeviceNotices {...(onDeviceRemoved ? { onRemoved: onDeviceRemoved } : {})} />
        <SessionNotices />
        {children}
      </main>
    </div>
  );
}
