// bunq's response envelopes: {"Response":[{Kind:{…}}, …]} and {"Error":[{error_description, …}]}.
import { z } from 'zod';

export const ErrorItem = z.object({
  error_description: z.string(),
  error_description_translated: z.string(),
});
export const ErrorEnvelope = z.object({ Error: z.array(ErrorItem).min(1) });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** Builds the error body. The translated text is the same English text until translations exist. */
export function errorEnvelope(description: string): ErrorEnvelope {
  return {
    Error: [
      {
        error_description: description,
        error_description_translated: description,
      },
    ],
  };
}

/** Schema of a success envelope whose items are the given single-key objects, in order. */
export function responseEnvelope<T extends z.ZodType[]>(...items: T) {
  return z.object({
    Response: z.tuple(items as unknown as [z.ZodType, ...z.ZodType[]]),
  });
}

/** Schema of a success envelope listing any number of items of one kind. */
export function listEnvelope<T extends z.ZodType>(item: T) {
  return z.object({ Response: z.array(item) });
}

/** {"Id":{"id":N}} — bunq's reply to a create or update. */
export const IdItem = z.object({
  Id: z.object({ id: z.number().int().positive() }),
});

/** Finds the first item of a kind in a Response array: envelopes carry objects keyed by kind name. */
export function pick<K extends string>(response: readonly unknown[], kind: K): unknown {
  for (const item of response) {
    if (item && typeof item === 'object' && kind in item) return (item as Record<string, unknown>)[kind];
  }
  return undefined;
}
