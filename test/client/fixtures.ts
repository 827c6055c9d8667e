// A real approval server with one user, and helpers to give that user keys and a paired, connected test device.
import type { KeyMode } from '../../protocol/index.js';
import { TestDevice, type TestStream } from '../support/device.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/server.js';

export interface Owner {
  server: TestServer;
  user: string;
  /** A new API key of the user. */
  key(mode: KeyMode, options?: { ips?: string[]; numberMatching?: boolean; codeLength?: number }): Promise<string>;
  /** A newly paired device of the user with its push stream open (hello already taken). */
  device(): Promise<{ device: TestDevice; stream: TestStream }>;
  close(): Promise<void>;
}

let keys = 0;

export async function startOwner(options: TestServerOptions = {}): Promise<Owner> {
  const server = await startTestServer(options);
  const user = 'alice';
  await server.admin.createUser(user);
  const streams: TestStream[] = [];
  return {
    server,
    user,
    key: async (mode, keyOptions = {}) => {
      keys += 1;
      const created = await server.admin.createKey({ user, name: `key-${keys}`, mode, ...keyOptions });
      return created.api_key;
    },
    device: async () => {
      const { code } = await server.admin.pair(user);
      const device = await TestDevice.pair(server.url, code);
      const stream = await device.connect();
      streams.push(stream);
      await stream.next('hello');
      return { device, stream };
    },
    close: async () => {
      await Promise.all(streams.map((stream) => stream.close()));
      await server.close();
    },
  };
}
