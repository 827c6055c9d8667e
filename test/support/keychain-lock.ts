// Locks the login collection through the Secret Service API, as the OS does after a timeout or at screen lock.
// Only for child processes that run in their own D-Bus session: it would lock the keyring of every test beside it.
import { execFileSync } from 'node:child_process';

export function lockLoginCollection(): void {
  execFileSync(
    'dbus-send',
    [
      '--session',
      '--print-reply',
      '--dest=org.freedesktop.secrets',
      '/org/freedesktop/secrets',
      'org.freedesktop.Secret.Service.Lock',
      'array:objpath:/org/freedesktop/secrets/collection/login',
    ],
    { stdio: 'ignore' },
  );
}
