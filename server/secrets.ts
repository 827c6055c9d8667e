// Every secret the server hands out, and the one way it stores them.
//
// Hashing: API keys, session tokens and pairing codes are random with 80 to 256 bits of entropy, so nobody can
// guess them and a leaked table cannot be brute-forced back; a slow password hash (scrypt, argon2) only helps
// for low-entropy secrets that people choose. Plain SHA-256 also gives a deterministic value, which lets the
// server find a row by the hash of what the caller presents, with one indexed lookup.
import { randomBytes, randomInt } from 'node:crypto';
import { sha256Hex } from '../protocol/crypto.js';

/** Recognisable prefixes, so that a leaked value can be spotted (secret scanners, logs) and told apart. */
const API_KEY_PREFIX = 'csk_';
const SESSION_TOKEN_PREFIX = 'cst_';
const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function newSessionToken(): string {
  return SESSION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** 16 characters from a 32-letter alphabet without look-alikes (80 bits), in 4 groups: K7QF-3MZP-WX9D-HR2T. */
export function newPairingCode(): string {
  const chars = Array.from({ length: 16 }, () => PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)]);
  return [0, 4, 8, 12].map((start) => chars.slice(start, start + 4).join('')).join('-');
}

/**
 * The code the requester shows and the owner types: `length` random decimal digits (leading zeros kept). Not a
 * secret against the requester — it shows it — but the device never learns it, so approving needs someone who
 * read it where the program runs.
 */
export function newTypedCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i += 1) code += String(randomInt(10));
  return code;
}
