// Main's run-time check of what a renderer sent: plain data first, then the channel's argument schema.
import { z } from 'zod';
import { type InvokeChannel, ipcSchema, type ParsedInvokeArgs } from './schema.js';

/**
 * Whether a value is plain JSON-like data. Structured clone carries Dates, Maps, Sets, RegExps, ArrayBuffers and
 * Errors from the renderer, and zod's object schemas take each of them for an empty object; no argument of any
 * channel is one. Depth-limited, so that a deeply nested value is refused instead of overflowing the stack.
 */
export function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  if (type !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.every((item) => isPlainData(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value as object).every((item) => isPlainData(item, depth + 1));
}

/** Validates arguments for a channel; the error message names what is wrong. */
export function parseArgs<C extends InvokeChannel>(
  channel: C,
  args: unknown[],
): { ok: true; args: ParsedInvokeArgs<C> } | { ok: false; message: string } {
  if (!isPlainData(args)) {
    return { ok: false, message: 'arguments must be plain data (strings, numbers, booleans, arrays, plain objects)' };
  }
  const spec = ipcSchema[channel] as { args: z.ZodTuple };
  const parsed = spec.args.safeParse(args);
  if (parsed.success) return { ok: true, args: parsed.data as ParsedInvokeArgs<C> };
  return { ok: false, message: z.prettifyError(parsed.error) };
}
