// A network that can go down: used by the tests that cut a device's push connection and keep it cut for a while.
import WebSocket from 'ws';

/** A real ws client that, while `gate.open` is false, dials a loopback port nobody listens on: the network is down. */
export function gatedWebSocket() {
  const gate = { open: true, sockets: [] as WebSocket[] };
  class GatedWebSocket extends WebSocket {
    constructor(address: string | URL, options?: WebSocket.ClientOptions) {
      super(gate.open ? address : 'ws://127.0.0.1:1/', options);
      gate.sockets.push(this);
    }
  }
  return { gate, WebSocket: GatedWebSocket as unknown as typeof WebSocket };
}
