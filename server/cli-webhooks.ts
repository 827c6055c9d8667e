// countersign-server's flags for the API provider's integration: --webhook-url (repeatable) with
// --webhook-secret-file, --webhook-max-retry-interval, and --operator-token-file. Secrets from a file or the
// environment only (never the command line).
import { readSecretFile, type SecretInputError } from '../cli/secret-input.js';
import { isLoopbackHost } from '../protocol/index.js';
import { SecretOptionError } from './cli-secrets.js';
import { hashSecret } from './secrets.js';
import { isWebhookSecret, WEBHOOK_DEFAULTS, type WebhookConfig } from './webhooks/config.js';

export const INTEGRATION_FLAGS = {
  'webhook-url': { type: 'string', multiple: true },
  'webhook-secret-file': { type: 'string' },
  'webhook-max-retry-interval': { type: 'string' },
  'operator-token-file': { type: 'string' },
} as const;

export interface IntegrationValues {
  'webhook-url'?: string[];
  'webhook-secret-file'?: string;
  'webhook-max-retry-interval'?: string;
  'operator-token-file'?: string;
}

function fromFileOrEnv(file: string | undefined, flag: string, envName: string, env: NodeJS.ProcessEnv) {
  if (file !== undefined) {
    try {
      return readSecretFile(file, flag);
    } catch (error) {
      throw new SecretOptionError((error as SecretInputError).message);
    }
  }
  return env[envName] ? env[envName] : undefined;
}

/** A receiver URL: https, or plain http only to a loopback address (the body names users, keys and addresses). */
function webhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SecretOptionError(`--webhook-url "${text}" is not a URL (like https://api.example.com/hooks).`);
  }
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''))) return url.toString();
  throw new SecretOptionError(
    `--webhook-url "${text}" must be https:// (plain http:// only to a loopback address such as 127.0.0.1).`,
  );
}

export function webhookOptions(values: IntegrationValues, env: NodeJS.ProcessEnv): WebhookConfig | null {
  const urls = (values['webhook-url'] ?? []).map(webhookUrl);
  const secret = fromFileOrEnv(
    values['webhook-secret-file'],
    '--webhook-secret-file',
    'COUNTERSIGN_WEBHOOK_SECRET',
    env,
  );
  if (urls.length === 0) {
    if (values['webhook-secret-file'] !== undefined) {
      throw new SecretOptionError('--webhook-secret-file needs at least one --webhook-url.');
    }
    return null;
  }
  if (new Set(urls).size !== urls.length) throw new SecretOptionError('--webhook-url: the same URL is given twice.');
  if (secret === undefined) {
    throw new SecretOptionError(
      '--webhook-url needs the signing secret: --webhook-secret-file FILE or COUNTERSIGN_WEBHOOK_SECRET ' +
        '(whsec_ and base64, e.g. echo "whsec_$(openssl rand -base64 32)").',
    );
  }
  if (!isWebhookSecret(secret)) {
    throw new SecretOptionError('The webhook secret must be whsec_ followed by base64 of 24 to 64 bytes.');
  }
  const retry = values['webhook-max-retry-interval'];
  let maxRetryMs = WEBHOOK_DEFAULTS.maxRetryMs;
  if (retry !== undefined) {
    if (!/^[0-9]{1,6}$/.test(retry) || Number(retry) < 1 || Number(retry) > 86_400) {
      throw new SecretOptionError(
        `--webhook-max-retry-interval must be whole seconds from 1 to 86400 (got "${retry}").`,
      );
    }
    maxRetryMs = Number(retry) * 1000;
  }
  return {
    ...WEBHOOK_DEFAULTS,
    urls,
    secret,
    maxRetryMs,
    minRetryMs: Math.min(WEBHOOK_DEFAULTS.minRetryMs, maxRetryMs),
  };
}

/** The operator API's Bearer token (at least 32 characters), as its hash: the token itself is not kept. */
export function operatorTokenOption(values: IntegrationValues, env: NodeJS.ProcessEnv): string | null {
  const token = fromFileOrEnv(
    values['operator-token-file'],
    '--operator-token-file',
    'COUNTERSIGN_OPERATOR_TOKEN',
    env,
  );
  if (token === undefined) return null;
  if (token.length < 32) {
    throw new SecretOptionError('The operator token must be at least 32 characters (e.g. openssl rand -hex 32).');
  }
  return hashSecret(token);
}
