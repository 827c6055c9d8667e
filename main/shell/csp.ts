// The Content-Security-Policy of every page the app shows, sent as a response header by the bundle protocol.
// Nothing may load from anywhere but the bundle, nothing may connect anywhere (all network goes through main over
// IPC), and no inline script or style attribute markup runs. React sets styles through the CSSOM, which CSP allows.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
