// Errors as data: every fallible core call answers Result<T>, never a thrown string.
import type { CoreError, CoreErrorCode, Result } from './api.js';

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: CoreErrorCode, message: string, status?: number): Result<T> {
  return { ok: false, error: coreError(code, message, status) };
}

export function coreError(code: CoreErrorCode, message: string, status?: number): CoreError {
  return status === undefined ? { code, message } : { code, message, status };
}

/** The message of anything thrown, for the INTERNAL errors that wrap a bug. */
export function describeThrown(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
