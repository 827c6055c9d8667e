// GET /openapi.json lists every route of protocol v1, with schemas generated from protocol/.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const ROUTES = [
  'post /v1/session-server',
  'post /v1/session-server/introspect',
  'delete /v1/session-server/{id}',
  'get /v1/session-server-request/{uuid}',
  'post /v1/session-server-request/{uuid}/decision',
  'post /v1/approver-device',
  'delete /v1/approver-device/{id}',
  'get /v1/user/{userID}/approver-device',
  'delete /v1/user/{userID}/approver-device/{id}',
  'post /v1/user/{userID}/pairing-code',
  'get /v1/user/{userID}/credential-password-ip',
  'post /v1/user/{userID}/credential-password-ip',
  'get /v1/user/{userID}/credential-password-ip/{itemId}',
  'put /v1/user/{userID}/credential-password-ip/{itemId}',
  'get /v1/user/{userID}/credential-password-ip/{credentialId}/ip',
  'post /v1/user/{userID}/credential-password-ip/{credentialId}/ip',
  'get /v1/user/{userID}/credential-password-ip/{credentialId}/ip/{itemId}',
  'put /v1/user/{userID}/credential-password-ip/{credentialId}/ip/{itemId}',
  'get /v1/user/{userID}/session-server-request',
  'get /v1/user/{userID}/device-event',
  'post /v1/installation',
  'get /v1/user/{userID}/credential-password-ip/{itemId}/grant',
  'post /v1/user/{userID}/credential-password-ip/{itemId}/grant',
  'delete /v1/user/{userID}/credential-password-ip/{itemId}/grant/{grantId}',
  'post /v1/user/{userID}/credential-password-ip/{itemId}/this-was-not-me',
  'get /openapi.json',
  'post /v1/operator/user',
  'get /v1/operator/user',
  'delete /v1/operator/user/{userID}',
  'post /v1/operator/user/{userID}/credential-password-ip',
  'get /v1/operator/user/{userID}/credential-password-ip',
  'put /v1/operator/user/{userID}/credential-password-ip/{itemId}',
  'post /v1/operator/user/{userID}/pairing-code',
  'get /v1/operator/user/{userID}/approver-device',
  'delete /v1/operator/user/{userID}/approver-device/{id}',
  'get /v1/operator/user/{userID}/session-server-request',
];

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  'x-websocket-streams': Record<string, Record<string, Record<string, unknown>>>;
}

it('lists every route, and nothing else', async () => {
  const reply = await http(`${server.url}/openapi.json`);
  expect(reply.status).toBe(200);
  const doc = reply.json as Doc;
  expect(doc.openapi).toBe('3.1.0');
  const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  expect(listed.sort()).toEqual([...ROUTES].sort());
  // The push stream is no HTTP operation: described apart, so generated clients make no method of it.
  const streams = doc['x-websocket-streams'];
  expect(Object.keys(streams)).toEqual(['/v1/approver-device/{id}/stream']);
  expect(streams['/v1/approver-device/{id}/stream']!.get).toMatchObject({
    operationId: 'openDeviceStream',
    responses: { '101': expect.any(Object) },
  });
});

it('describes bodies and replies with the protocol schemas', async () => {
  const doc = (await http(`${server.url}/openapi.json`)).json as Doc;
  const open = doc.paths['/v1/session-server']!.post!;
  const body = (open.requestBody as { content: Record<string, { schema: Record<string, unknown> }> }).content[
    'application/json'
  ]!.schema;
  expect(body).toMatchObject({
    type: 'object',
    required: ['secret'],
    additionalProperties: false,
    properties: { secret: { type: 'string' }, description: { type: 'string', maxLength: 200 } },
  });
  expect(Object.keys(open.responses as object)).toEqual(expect.arrayContaining(['200', '202', '4XX']));
  const read = doc.paths['/v1/session-server-request/{uuid}']!.get!;
  expect((read.parameters as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`)).toEqual([
    'path:uuid',
    'query:wait',
  ]);
});
