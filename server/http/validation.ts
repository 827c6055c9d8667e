// Parses path parameters, query strings and bodies with the protocol's zod schemas, turning a failure into a
// 400 whose text names the field, e.g. "description: must be at most 200 characters".
import type { z } from 'zod';
import { ApiError } from './api-error.js';

export type InputPart = 'body' | 'query' | 'path';

export function describeIssues(error: z.ZodError, part: InputPart): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : part;
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((key) => `"${key}"`).join(', ');
        return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
      }
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(400, describeIssues(result.error, part));
}
