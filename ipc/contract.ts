// The IPC contract between the Electron main process, the preload bridge and the React renderer, in one place:
// the schema of every channel in both directions (schema.ts), the data they carry (types.ts), the views and their
// routes (route.ts), and main's argument check (parse-args.ts). Everything outside ipc/ imports it from here.
export * from './parse-args.js';
export * from './route.js';
export * from './schema.js';
export type * from './types.js';
