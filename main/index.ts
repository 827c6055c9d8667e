// The Electron main process: hands the real Electron module to the composition root (main/app.ts), which holds the
// wiring and is driven in tests over a fake Electron module.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, protocol, session, Tray } from 'electron';
import { startCountersign } from './app.js';

startCountersign(
  { app, BrowserWindow, Tray, Menu, nativeImage, ipcMain, dialog, protocol, session },
  {
    platform: process.platform,
    arch: process.arch,
    argv: process.argv,
    env: process.env,
    defaultApp: Boolean(process.defaultApp),
    execPath: process.execPath,
  },
);
