// Where the real keychain can be reached: inside scripts/with-desktop-session.sh (or a desktop with a Secret
// Service). Outside one, keychain tests are skipped with this reason rather than failing on the missing service.
export const hasKeychainSession = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
export const NEEDS_KEYCHAIN =
  'needs a D-Bus session with an unlocked Secret Service: run inside scripts/with-desktop-session.sh';
