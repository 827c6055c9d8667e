// The wire contract of Countersign protocol v1: one source for types and run-time validation, used by the server,
// the requester client and the desktop approver. docs/PROTOCOL.md explains it in prose.
export * from './base64url.js';
export * from './canonical.js';
export * from './context.js';
export * from './credential.js';
export * from './decision.js';
export * from './device.js';
export * from './envelope.js';
export * from './errors.js';
export * from './grant.js';
export * from './headers.js';
export * from './installation.js';
export * from './loopback.js';
export * from './primitives.js';
export * from './push.js';
export * from './session.js';
export * from './webhooks.js';
export * from './operator.js';
