#!/usr/bin/env node
// Plain JavaScript built from the TypeScript sources by `npm run build:node` (which `npm ci` runs as `prepare`).
import { runBuilt } from './built.mjs';
await runBuilt('gateway/cli.js');
