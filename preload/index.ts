// Preload of every window: exposes the contract bridge as `window.countersign` in the isolated world. Runs
// sandboxed, so scripts/build-electron.ts bundles it (with the contract) into one CommonJS file.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld('countersign', createBridge(ipcRenderer));
