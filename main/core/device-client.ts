// Signed HTTP on behalf of one paired account: loads the device key from the vault for each call and signs it.
import type { z } from 'zod';
import { EMPTY_BODY_SHA256 } from '../../protocol/index.js';
import type { StoredAccount } from './account-store.js';
import type { Result } from './api.js';
import type { Clock } from './clock.js';
import type { DeviceKeyStore } from './device-key.js';
import { type DeviceSigner, type HttpCall, type HttpDeps, type HttpReply, call, deviceHeaders, send } from './http.js';
import { ok } from './result.js';

export class DeviceClient {
  private lastTimestamp = 0;
  /**
   * The clock the signatures read. Ed25519 signatures are deterministic, so two identical calls within one
   * millisecond would carry the same signature and the second would be refused as a replay: timestamps only go up.
   */
  private readonly stampClock: Clock;
  private readonly deps: HttpDeps;

  constructor(
    readonly account: StoredAccount,
    private readonly keys: DeviceKeyStore,
    deps: HttpDeps,
  ) {
    this.stampClock = {
      now: () => {
        this.lastTimestamp = Math.max(deps.clock.now(), this.lastTimestamp + 1);
        return this.lastTimestamp;
      },
    };
    this.deps = { ...deps, clock: this.stampClock };
  }

  async signer(): Promise<Result<DeviceSigner>> {
    const key = await this.keys.load(this.account.id);
    return key.ok ? ok({ deviceId: this.account.deviceId, key: key.value }) : key;
  }

  async send(request: HttpCall): Promise<Result<HttpReply>> {
    const signer = await this.signer();
    return signer.ok ? send(this.deps, this.account.server, request, signer.value) : signer;
  }

  async call<S extends z.ZodType>(request: HttpCall, schema: S, what: string): Promise<Result<z.infer<S>>> {
    const signer = await this.signer();
    return signer.ok ? call(this.deps, this.account.server, request, schema, what, signer.value) : signer;
  }

  /** Signed headers for the WebSocket upgrade (GET, empty body) of the given URL. */
  async upgradeHeaders(url: URL): Promise<Result<Record<string, string>>> {
    const signer = await this.signer();
    if (!signer.ok) return signer;
    return ok(deviceHeaders(signer.value, 'GET', url.pathname + url.search, EMPTY_BODY_SHA256, this.stampClock));
  }
}
