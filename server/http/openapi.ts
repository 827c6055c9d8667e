// GET /openapi.json: the OpenAPI 3.1 document of every route, generated from the router's catalog, whose
// schemas are the same zod schemas that validate requests and describe replies. It is written for generated
// clients: every operation has its stable operationId (named where the route is registered), and it passes
// Redocly's recommended ruleset with no finding (test/server/openapi-lint.test.ts). The WebSocket push stream is
// no HTTP operation (its only success is 101 Switching Protocols), so it is described under `x-websocket-streams`
// instead of `paths`, where a generator would make a useless method of it.
import { z } from 'zod';
import { ErrorEnvelope } from '../../protocol/index.js';
import type { CatalogEntry, RouteAuth } from './router.js';

type JsonSchema = Record<string, unknown>;
/** The document: its version, and the rest as JSON. */
export type OpenApiDocument = { openapi: string } & JsonSchema;

// Transforms (e.g. "123" → 123 for path ids) have no JSON Schema: inputs are described as sent, outputs as sent.
const inputSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const outputSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;

const SECURITY: Record<RouteAuth, Record<string, string[]>[]> = {
  none: [],
  device: [{ deviceSignature: [] }],
  'api-key': [{ apiKey: [] }],
  'session-token': [{ sessionToken: [] }],
  'introspection-secret': [{ introspectionSecret: [] }],
  requester: [{}, { requesterSignature: [] }],
  'api-key-requester': [{ apiKey: [] }, { apiKey: [], requesterSignature: [] }],
  'operator-token': [{ operatorToken: [] }],
};

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = inputSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

function operation(entry: CatalogEntry): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, schema] of Object.entries(entry.responses)) {
    responses[status] = { description: 'Success', content: { 'application/json': { schema: outputSchema(schema) } } };
  }
  if (entry.websocket) responses['101'] = { description: 'Switching to the WebSocket push stream' };
  responses['4XX'] = {
    description: 'Refused: bad input, authentication, state conflict',
    content: { 'application/json': { schema: outputSchema(ErrorEnvelope) } },
  };
  const op: JsonSchema = {
    operationId: entry.operationId,
    summary: entry.summary,
    parameters: [...parameters(entry.params, 'path'), ...parameters(entry.query, 'query')],
    security: SECURITY[entry.auth],
    responses,
  };
  if (entry.body) {
    op.requestBody = { required: true, content: { 'application/json': { schema: inputSchema(entry.body) } } };
  }
  if (entry.websocket) op['x-websocket'] = true;
  return op;
}

export function buildOpenApi(catalog: readonly CatalogEntry[]): OpenApiDocument {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const streams: Record<string, Record<string, JsonSchema>> = {};
  for (const entry of catalog) {
    const path = entry.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const into = entry.websocket ? streams : paths;
    into[path] ??= {};
    into[path][entry.method.toLowerCase()] = operation(entry);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Countersign approval server',
      version: '1',
      description: 'Push-approved two-factor authentication for API keys (protocol v1). See docs/PROTOCOL.md.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // Relative to where the document was fetched from: the server that serves it.
    servers: [{ url: '/', description: 'The Countersign server that serves this document' }],
    paths,
    'x-websocket-streams': streams,
    components: {
      securitySchemes: {
        deviceSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Countersign-Signature',
          description:
            'Ed25519 over the canonical request string, with X-Countersign-Device and X-Countersign-Timestamp.',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Bunq-Client-Authentication', description: 'The API key.' },
        requesterSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Countersign-Signature',
          description:
            "Optional: a requester installation's Ed25519 signature over the canonical requester string, with X-Countersign-Installation and X-Countersign-Timestamp.",
        },
        sessionToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Bunq-Client-Authentication',
          description: 'The session token.',
        },
        introspectionSecret: { type: 'http', scheme: 'bearer', description: "The operator's introspection secret." },
        operatorToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The operator API token (countersign-server --operator-token-file).',
        },
      },
    },
  };
}
