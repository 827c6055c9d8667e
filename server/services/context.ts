// What every service is built from.
import type { ServerConfig } from '../config.js';
import type { PushHub } from '../push/hub.js';
import type { UnitOfWork } from '../store/types.js';

export interface ServiceContext {
  /** Units of work only: services never call the autocommit repositories. */
  store: UnitOfWork;
  hub: PushHub;
  config: ServerConfig;
}
