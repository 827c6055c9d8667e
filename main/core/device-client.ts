// Signed HTTP on behalf of one paired account: loads the device key from the vault for each call and signs it with
// the server's clock as estimated from its replies, so a desktop clock that is off still gets its calls accepted.
import type { z } from 'zod';
import { EMPTY_BODY_SHA256 } from '../../protocol/index.js';
import type { StoredAccount } from './account-store.js';
import type { Result } from './api.js';
import type { Clock } from './clock.js';
import type { DeviceKeyStore } from './device-key.js';
import {
  type DeviceSigner,
  deviceHeaders,
  expectReply,
  type HttpCall,
  type HttpDeps,
  type HttpReply,
  send,
} from './http.js';
import { ok } from './result.js';
import { ServerClock, SKEW_RETRY_THRESHOLD_MS } from './server-clock.js';
import { pinnedFetch, type TlsTrust } from './tls-pin.js';

export class DeviceClient {
  /** The server's clock as learned from its replies (and the stream's hello). */
  readonly serverClock: ServerClock;
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
    trust: TlsTrust = {},
  ) {
    this.serverClock = new ServerClock(deps.clock);
    this.stampClock = {
      now: () => {
        const now = this.serverClock.now();
        // Stamps far ahead of the corrected clock came from a wrong estimate (a desktop clock running ahead);
        // going on from them would keep every signature refused.
        if (this.lastTimestamp - now > SKEW_RETRY_THRESHOLD_MS) this.lastTimestamp = now - 1;
        this.lastTimestamp = Math.max(now, this.lastTimestamp + 1);
        return this.lastTimestamp;
      },
    };
    // An https server is reached only with the certificate pinned at pairing.
    const fetch = account.tlsFingerprint ? pinnedFetch(account.tlsFingerprint, trust) : deps.fetch;
    this.deps = { fetch, clock: this.stampClock };
  }

  /**
   * Signs and sends; every reply's Date header refines the server clock. A 401 that showed our clock to be far
   * off (the server refuses timestamps more than 60 s away) is tried once more, signed with the corrected clock.
   */
  private async sendSigned(request: HttpCall, signer: DeviceSigner): Promise<Result<HttpReply>> {
    const reply = await send(this.deps, this.account.server, request, signer);
    if (!reply.ok) return reply;
    const moved = this.serverClock.observeDateHeader(reply.value.date);
    if (reply.value.status === 401 && Math.abs(moved) >= SKEW_RETRY_THRESHOLD_MS)
      return send(this.deps, this.account.server, request, signer);
    return reply;
  }

  async signer(): Promise<Result<DeviceSigner>> {
    const key = await this.keys.load(this.account.id);
    return key.ok ? ok({ deviceId: this.account.deviceId, key: key.value }) : key;
  }

  async send(request: HttpCall): Promise<Result<HttpReply>> {
    const signer = await this.signer();
    return signer.ok ? this.sendSigned(request, signer.value) : signer;
  }

  async call<S extends z.ZodType>(request: HttpCall, schema: S, what: string): Promise<Result<z.infer<S>>> {
    const reply = await this.send(request);
    return reply.ok ? expectReply(reply.value, schema, what) : reply;
  }

  /** Signed headers for the WebSocket upgrade (GET, empty body) of the given URL. */
  async upgradeHeaders(url: URL): Promise<Result<Record<string, string>>> {
    const signer = await this.signer();
    if (!signer.ok) return signer;
    return ok(deviceHeaders(signer.value, 'GET', url.pathname + url.search, EMPTY_BODY_SHA256, this.stampClock));
  }
}
