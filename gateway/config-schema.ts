// The gateway's config file (JSON), as a zod schema: which upstreams, by path prefix, accept which Countersign
// keys, and how each one's secret is kept and injected. docs/GATEWAY.md describes every field.
import { z } from 'zod';

/** Header names the gateway must own: the session token header and framing headers cannot carry a secret. */
const RESERVED_HEADERS = new Set([
  'x-bunq-client-authentication',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);

const KeyId = z.number().int().positive();

/** "/" or "/a/b": segments of URL-safe characters, no trailing slash. */
const PathPrefix = z
  .string()
  .regex(/^\/([A-Za-z0-9._~!$&'()*+,;=:@-]+(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)*)?$/, {
    message: 'must be "/" or a path such as "/github/v3" (no trailing slash, no query)',
  })
  .refine((p) => !p.split('/').some((segment) => segment === '.' || segment === '..'), {
    message: 'may not contain "." or ".." segments',
  });

const UpstreamUrl = z
  .string()
  .refine((text) => URL.canParse(text), { message: 'must be a URL such as https://api.example.com' })
  .refine((text) => /^https?:$/.test(new URL(text).protocol), { message: 'must start with http:// or https://' })
  .refine((text) => new URL(text).search === '' && new URL(text).hash === '', {
    message: 'may not have a query or fragment',
  })
  .refine((text) => new URL(text).username === '' && new URL(text).password === '', {
    message: 'may not carry a user name or password (put the secret in "secret")',
  });

const Inject = z
  .strictObject({
    header: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, { message: 'must be an HTTP header name' })
      .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), {
        message: 'is a header the gateway manages itself',
      })
      .optional(),
    value: z
      .string()
      .max(1000)
      .refine((value) => value.split('{secret}').length === 2, { message: 'must contain {secret} exactly once' })
      .refine((value) => !/[\r\n\0]/.test(value), { message: 'may not contain line breaks' })
      .optional(),
    query: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{1,100}$/, { message: 'must be a query parameter name of letters, digits, . _ ~ -' })
      .optional(),
  })
  .superRefine((inject, ctx) => {
    if ((inject.header === undefined) === (inject.query === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "header" or "query"' });
    }
    if (inject.query !== undefined && inject.value !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'goes with "header" only' });
    }
  })
  .transform((inject) =>
    inject.header !== undefined
      ? ({ kind: 'header', header: inject.header.toLowerCase(), value: inject.value ?? '{secret}' } as const)
      : ({ kind: 'query', query: inject.query! } as const),
  );
export type Inject = z.output<typeof Inject>;

const Secret = z
  .strictObject({
    file: z.string().min(1).optional(),
    sealed: z
      .string()
      .regex(/^v1\.[A-Za-z0-9_-]+$/, { message: 'must be a value printed by countersign-gateway seal' })
      .optional(),
  })
  .refine((secret) => (secret.file === undefined) !== (secret.sealed === undefined), {
    message: 'give exactly one of "file" or "sealed"',
  });
export type SecretSource = z.output<typeof Secret>;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const Limits = z.strictObject({
  requests_per_minute: z.number().int().min(1).max(1_000_000).optional(),
  methods: z.array(z.enum(METHODS)).min(1).optional(),
  path_prefixes: z.array(PathPrefix).min(1).optional(),
});
export type SessionLimits = z.output<typeof Limits>;

export const UpstreamConfig = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
    message: 'must be 1-63 lower-case letters, digits, - or _, starting with a letter or digit',
  }),
  prefix: PathPrefix,
  url: UpstreamUrl,
  keys: z.array(KeyId).min(1, { message: 'must list at least one Countersign key id' }),
  inject: Inject,
  secret: Secret,
  limits: Limits.optional(),
  timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
});
export type UpstreamConfig = z.output<typeof UpstreamConfig>;

/** Relative file names in the file are taken relative to the config file's folder. */
export const GatewayConfigFile = z
  .strictObject({
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, { message: 'must be HOST:PORT' })
      .optional(),
    server: z
      .string()
      .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
        message: 'must be the approval server URL, http:// or https://',
      })
      .optional(),
    introspection_secret_file: z.string().min(1).optional(),
    seal_key_file: z.string().min(1).optional(),
    history_file: z.string().min(1).optional(),
    max_body_bytes: z
      .number()
      .int()
      .min(0)
      .max(1024 ** 3)
      .default(10 * 1024 * 1024),
    upstreams: z.array(UpstreamConfig).min(1, { message: 'must list at least one upstream' }),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.upstreams.forEach((upstream, i) => {
      for (const [what, value] of [
        ['name', upstream.name],
        ['prefix', upstream.prefix],
      ] as const) {
        const key = `${what}:${value}`;
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['upstreams', i, what],
            message: `"${value}" is already used by upstreams[${first}]`,
          });
        } else seen.set(key, i);
      }
    });
  });
export type GatewayConfigFile = z.output<typeof GatewayConfigFile>;
