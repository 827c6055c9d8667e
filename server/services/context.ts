// What every service is built from.
import type { ServerConfig } from '../config.js';
import type { PushHub } from '../push/hub.js';
import type { Store } from '../store/types.js';

export interface ServiceContext {
  store: Store;
  hub: PushHub;
  config: ServerConfig;
}
