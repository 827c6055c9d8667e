// Reads and checks the gateway's JSON config file. Every mistake becomes a ConfigError "FILE:LINE: where: what",
// with the line found from the offending path (JSON.parse has no positions).
import { readFileSync } from 'node:fs';
import { GatewayConfigFile } from './config-schema.js';
import { lineAt, lineOfPath } from './json-locate.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** "upstreams[0].inject.header" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(top level)';
}

/** V8's JSON.parse messages carry "(line N column M)" or "at position N". */
function syntaxErrorLine(text: string, message: string): number {
  const line = /line (\d+) column \d+/.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return lineAt(text, Number(position[1]));
  return lineAt(text, text.length);
}

/** Parses and validates config text; file is only used in messages. */
export function parseConfigText(text: string, file: string): GatewayConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new ConfigError(`${file}:${syntaxErrorLine(text, message)}: not valid JSON: ${message}`);
  }
  const parsed = GatewayConfigFile.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    // An unknown field is reported on its object; point at the field itself.
    const path =
      issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? [...issue.path, issue.keys[0]!] : issue.path;
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    return `${file}:${lineOfPath(text, path)}: ${formatPath(issue.path)}: ${message}`;
  });
  throw new ConfigError(lines.join('\n'));
}

export function loadConfigFile(file: string): GatewayConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return parseConfigText(text, file);
}
