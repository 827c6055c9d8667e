// Which view a window shows and with which parameters: the route shape and its URL-hash form are the IPC
// contract's (ipc/route.ts), shared with the window manager that writes them.
export { parseRoute, type Route, routeHash } from '../../ipc/contract.js';
