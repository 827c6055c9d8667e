// Builds the renderer: one bundle for every window (the view is chosen by the URL hash), relative URLs so it loads
// from the app's bundle protocol and from the e2e suite's loopback server alike.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // The polyfill serves browsers without modulepreload; Electron's Chromium has it.
    modulePreload: { polyfill: false },
    target: 'chrome130',
  },
});
