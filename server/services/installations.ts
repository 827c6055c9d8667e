// Requester installations: registering a program's public key with the API key it uses, and checking the requester
// signature that a call made by such a program carries (as devices.ts checks a device's: canonical string, ±60 s
// timestamp, each signature once).
import {
  canonicalRequesterRequest,
  ErrorText,
  type InstallationCreate,
  Signature,
  TIMESTAMP_TOLERANCE_MS,
} from '../../protocol/index.js';
import { fromBase64Url, sha256Hex, toBase64Url, verifyTextOffThread } from '../../protocol/crypto.js';
import { Refusal } from '../domain/refusal.js';
import { once, SIGNATURE_FIELD, type SignedCall } from '../domain/signed-call.js';
import { hashSecret } from '../secrets.js';
import type { InstallationRow } from '../store/types.js';
import type { ServiceContext } from './context.js';
import { keyUsable } from './credentials.js';
import type { PublicKeyCache } from './public-keys.js';

/** Installations one API key may register: far more than machines a key runs on, few enough to bound the table. */
export const MAX_INSTALLATIONS_PER_KEY = 100;

const refused = (text: string) => new Refusal('unauthenticated', text);

export class InstallationService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly keys: PublicKeyCache,
  ) {}

  /**
   * Registers the public key with the key whose value the caller holds (an unusable key: 401, bunq's wording). The
   * same public key registered again with the same API key gives the installation it already has.
   */
  async register(apiKey: string | undefined, body: InstallationCreate): Promise<InstallationRow> {
    const now = this.ctx.config.now();
    const found = apiKey ? await this.ctx.store.read((db) => db.credentials.byKeyHash(hashSecret(apiKey))) : null;
    if (!found || !keyUsable(found, now)) throw refused(ErrorText.BAD_CREDENTIALS);
    return this.ctx.store.transaction(async (tx) => {
      // Held: the count and the insert must not interleave with another registration for the key.
      const credential = await tx.credentials.hold(found.id);
      if (!credential || !keyUsable(credential, now)) throw refused(ErrorText.BAD_CREDENTIALS);
      const existing = await tx.installations.byKey(credential.id, body.client_public_key);
      if (existing) return existing;
      if ((await tx.installations.countByCredential(credential.id)) >= MAX_INSTALLATIONS_PER_KEY) {
        throw new Refusal(
          'conflict',
          `This API key already has ${MAX_INSTALLATIONS_PER_KEY} installations; use one of them (a requester keeps its key per machine).`,
        );
      }
      return tx.installations.register({
        credentialId: credential.id,
        publicKey: body.client_public_key,
        name: body.name,
        created: now,
      });
    });
  }

  /**
   * The installation that signed the call, or null for an unsigned call (it names no installation). The
   * installation must be registered with the key `credentialId`; the signature is checked and remembered.
   */
  async authenticate(call: SignedCall, credentialId: number): Promise<InstallationRow | null> {
    if (call.signer === undefined) return null;
    const installationId = once(call.signer);
    const timestamp = once(call.timestamp);
    const signature = once(call.signature);
    if (!installationId || !timestamp || !signature) throw refused(ErrorText.INSTALLATION_HEADERS);
    if (!/^[1-9][0-9]{0,15}$/.test(installationId)) throw refused(ErrorText.INSTALLATION_UNKNOWN);
    if (!/^[0-9]{1,16}$/.test(timestamp)) throw refused(ErrorText.STALE_TIMESTAMP);
    const parsed = Signature.safeParse(signature);
    if (!parsed.success) throw refused(`${SIGNATURE_FIELD}: ${parsed.error.issues[0]!.message}`);
    const installation = await this.ctx.store.read((db) => db.installations.byId(Number(installationId)));
    if (!installation || installation.credentialId !== credentialId) throw refused(ErrorText.INSTALLATION_UNKNOWN);
    const now = this.ctx.config.now();
    if (Math.abs(now - Number(timestamp)) > TIMESTAMP_TOLERANCE_MS) throw refused(ErrorText.STALE_TIMESTAMP);
    const canonical = canonicalRequesterRequest({
      method: call.method,
      pathWithQuery: call.pathWithQuery,
      timestamp,
      bodySha256Hex: sha256Hex(call.body ?? Buffer.alloc(0)),
    });
    if (!(await verifyTextOffThread(this.keys.keyOf(installation), canonical, signature))) {
      throw refused(ErrorText.INSTALLATION_SIGNATURE);
    }
    // Remembered by the bytes (their canonical text), so that a re-spelt copy of a signature is a replay too.
    const bytes = toBase64Url(fromBase64Url(signature));
    if (!(await this.ctx.store.write((db) => db.requesterSignatures.remember(installation.id, bytes, now)))) {
      throw refused(ErrorText.REPLAYED);
    }
    return installation;
  }

  /**
   * The same for POST /v1/session-server, whose API key is in the body: an unknown or unusable key is refused as the
   * attempt itself would refuse it (401, bunq's wording), so a signature never tells more than the key does.
   */
  async authenticateFor(call: SignedCall, apiKey: string): Promise<InstallationRow | null> {
    if (call.signer === undefined) return null;
    const credential = await this.ctx.store.read((db) => db.credentials.byKeyHash(hashSecret(apiKey)));
    if (!credential || !keyUsable(credential, this.ctx.config.now())) throw refused(ErrorText.BAD_CREDENTIALS);
    return this.authenticate(call, credential.id);
  }
}
