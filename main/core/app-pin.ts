// The app PIN: a local confirmation before Approve, so that a script driving the approver's window (clicks and
// keys) cannot approve on its own. Block never needs it. Only a scrypt hash is kept, in the OS keychain beside the
// device keys, together with the count of wrong tries: after MAX_TRIES wrong ones in a row the PIN is locked for
// a cool-down that doubles with every further wrong try (30 s, 1 min, 2 min … at most 15 min).
//
// That a PIN is set is also written to a small file in the data folder, because a locked or emptied keychain reads
// as "no entry": without the file, a missing entry would look like "no PIN" and let approvals through. With it,
// the missing entry fails closed.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Result } from './api.js';
import type { Clock } from './clock.js';
import { fail, ok } from './result.js';
import { type Vault, keychainError } from './vault.js';

export const PIN_MIN_LENGTH = 4;
export const PIN_MAX_LENGTH = 64;
export const MAX_TRIES = 5;
const FIRST_COOL_DOWN_MS = 30_000;
const LONGEST_COOL_DOWN_MS = 15 * 60_000;
const ENTRY = 'app-pin';
const MARKER = 'app-pin-set';
const PROBE = 'countersign-pin-probe';
// scrypt's cost: 2^15 × 8 × 128 B = 32 MiB and tens of milliseconds per try, so a copied record is slow to guess;
// the try limit is what protects the live app.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

const PinRecord = z.object({
  v: z.literal(1),
  salt: z.string(),
  hash: z.string(),
  wrongTries: z.number().int().min(0),
  lockedUntil: z.number().nullable(),
});
type PinRecord = z.infer<typeof PinRecord>;

export interface PinStatus {
  set: boolean;
  /** Unix ms until which every try is refused, or null. */
  lockedUntil: number | null;
  /** Wrong tries left before the next cool-down. */
  triesLeft: number;
}

function derive(pin: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin.normalize('NFC'), salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Why a PIN cannot be used, or null when it can. */
export function pinProblem(pin: string): string | null {
  if (pin.length < PIN_MIN_LENGTH || pin.length > PIN_MAX_LENGTH) {
    return `The PIN must be ${PIN_MIN_LENGTH} to ${PIN_MAX_LENGTH} characters long.`;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(pin)) return 'The PIN may not contain control characters.';
  return null;
}

function coolDownMs(wrongTries: number): number {
  return Math.min(LONGEST_COOL_DOWN_MS, FIRST_COOL_DOWN_MS * 2 ** Math.max(0, wrongTries - MAX_TRIES));
}

export class AppPin {
  constructor(
    private readonly vault: Vault,
    private readonly service: string,
    private readonly dataDir: string,
    private readonly clock: Clock,
  ) {}

  private get markerPath(): string {
    return join(this.dataDir, MARKER);
  }

  async status(): Promise<Result<PinStatus>> {
    const record = await this.read();
    if (!record.ok) return record;
    if (!record.value) return ok({ set: false, lockedUntil: null, triesLeft: MAX_TRIES });
    const { wrongTries, lockedUntil } = record.value;
    const locked = lockedUntil !== null && lockedUntil > this.clock.now() ? lockedUntil : null;
    return ok({ set: true, lockedUntil: locked, triesLeft: Math.max(0, MAX_TRIES - wrongTries) || 1 });
  }

  /** Sets a new PIN; when one is set already, the current one must be given and right. */
  async set(pin: string, currentPin?: string): Promise<Result<void>> {
    const problem = pinProblem(pin);
    if (problem) return fail('INVALID_INPUT', problem);
    const existing = await this.read();
    if (!existing.ok) return existing;
    if (existing.value) {
      const checked = await this.check(existing.value, currentPin);
      if (!checked.ok) return checked;
    }
    const salt = randomBytes(16);
    const record: PinRecord = {
      v: 1,
      salt: salt.toString('base64'),
      hash: (await derive(pin, salt)).toString('base64'),
      wrongTries: 0,
      lockedUntil: null,
    };
    const saved = await this.write(record);
    if (!saved.ok) return saved;
    await writeFile(this.markerPath, 'An app PIN is set: its hash is in the OS keychain.\n', { mode: 0o600 });
    return ok(undefined);
  }

  /** Checks a PIN before an approval: ok when no PIN is set or it is right; PIN_WRONG / PIN_LOCKED_OUT otherwise. */
  async verify(pin: string): Promise<Result<void>> {
    const record = await this.read();
    if (!record.ok) return record;
    if (!record.value) return ok(undefined);
    return this.check(record.value, pin);
  }

  /** Removes the PIN (the current one must be given and right); approvals then need no PIN. */
  async remove(currentPin: string): Promise<Result<void>> {
    const record = await this.read();
    if (!record.ok) return record;
    if (!record.value) return ok(undefined);
    const checked = await this.check(record.value, currentPin);
    if (!checked.ok) return checked;
    try {
      await this.vault.deletePassword(this.service, ENTRY);
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
    await rm(this.markerPath, { force: true });
    return ok(undefined);
  }

  /** A try against the record: counts a wrong one, locks after too many, resets the count on a right one. */
  private async check(record: PinRecord, pin: string | undefined): Promise<Result<void>> {
    const now = this.clock.now();
    if (record.lockedUntil !== null && record.lockedUntil > now) {
      const seconds = Math.ceil((record.lockedUntil - now) / 1000);
      return fail('PIN_LOCKED_OUT', `Too many wrong PINs. Try again in ${seconds} s.`);
    }
    const expected = Buffer.from(record.hash, 'base64');
    const given = await derive(pin ?? '', Buffer.from(record.salt, 'base64'));
    if (pin !== undefined && given.length === expected.length && timingSafeEqual(given, expected)) {
      if (record.wrongTries > 0 || record.lockedUntil !== null) {
        const reset = await this.write({ ...record, wrongTries: 0, lockedUntil: null });
        if (!reset.ok) return reset;
      }
      return ok(undefined);
    }
    const wrongTries = record.wrongTries + 1;
    const lockedUntil = wrongTries >= MAX_TRIES ? now + coolDownMs(wrongTries) : null;
    const saved = await this.write({ ...record, wrongTries, lockedUntil });
    if (!saved.ok) return saved;
    if (lockedUntil !== null) {
      return fail('PIN_LOCKED_OUT', `Wrong PIN. Too many wrong PINs: try again in ${(lockedUntil - now) / 1000} s.`);
    }
    const left = MAX_TRIES - wrongTries;
    return fail('PIN_WRONG', `Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left before a cool-down.`);
  }

  private async read(): Promise<Result<PinRecord | null>> {
    let text: string | null;
    try {
      text = await this.vault.getPassword(this.service, ENTRY);
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
    if (text === null) return this.explainMissing();
    const parsed = PinRecord.safeParse(JSON.parse(text));
    if (!parsed.success) {
      return fail('INTERNAL', 'The app PIN entry in the keychain is damaged. Remove it there and set a new PIN.');
    }
    return ok(parsed.data);
  }

  /** No entry: no PIN, unless the marker says one was set — then the keychain is locked or lost it (fail closed). */
  private async explainMissing(): Promise<Result<PinRecord | null>> {
    if (!existsSync(this.markerPath)) return ok(null);
    try {
      await this.vault.setPassword(this.service, PROBE, 'probe');
      await this.vault.deletePassword(this.service, PROBE);
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
    return fail(
      'NOT_FOUND',
      'An app PIN was set, but its entry is missing from the keychain. Approvals stay refused until you set a ' +
        'new PIN (remove the file app-pin-set in the data folder to go without one).',
    );
  }

  private async write(record: PinRecord): Promise<Result<void>> {
    try {
      await this.vault.setPassword(this.service, ENTRY, JSON.stringify(record));
      return ok(undefined);
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
  }
}
