// The requester library: open a session with an API key (waiting for the owner's approval when the key asks for
// it), end it, and — for the API that consumes sessions — introspect a token.
export { closeSession, type CloseSessionOptions } from './close-session.js';
export { CountersignError, type CountersignErrorKind } from './errors.js';
export { introspect, type IntrospectOptions } from './introspect.js';
export { openSession, type OpenSessionOptions, type OpenSessionResult, type SessionProgress } from './open-session.js';
export {
  defaultIdentityFile,
  FileIdentityStore,
  type IdentityStore,
  KEYCHAIN_SERVICE,
  openIdentityStore,
} from './identity-store.js';
export {
  ensureInstallation,
  forgetInstallation,
  type InstallationOptions,
  type InstallationSigner,
} from './installation.js';
