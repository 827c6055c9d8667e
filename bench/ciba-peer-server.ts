// The CIBA peer: oidc-provider with OpenID CIBA in poll mode, its in-memory adapter and RS256 id_tokens — the
// nearest open system that does what Countersign does (a requester asks, someone approves out of band, the
// requester polls for its token). The approver is in-process and approves every request at once, so what the load
// generator measures is the provider's own work per flow: client authentication, a saved request, a grant, a
// signed id_token and an access token. Run as a child process: node bin/run-ts.mjs bench/ciba-peer-server.ts with
// CIBA_PEER_CLIENT_SECRET in its environment (the one client's secret, chosen by the load generator); prints
// "listening on http://…".
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { CIBA_PEER_ACCOUNT, CIBA_PEER_CLIENT_ID, CIBA_PEER_SECRET_ENV } from './support/ciba-peer-names.js';

const secret = process.env[CIBA_PEER_SECRET_ENV];
if (!secret) throw new Error(`${CIBA_PEER_SECRET_ENV} must be set`);
const client = { client_id: CIBA_PEER_CLIENT_ID, client_secret: secret };

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

// The issuer needs the port, so the HTTP server listens first and the provider's callback is attached after.
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  clients: [
    {
      ...client,
      grant_types: ['urn:openid:params:grant-type:ciba'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      backchannel_token_delivery_mode: 'poll',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  features: {
    devInteractions: { enabled: false },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      processLoginHint: (_ctx, loginHint) => (loginHint === CIBA_PEER_ACCOUNT ? CIBA_PEER_ACCOUNT : undefined),
      processLoginHintToken: () => undefined,
      validateRequestContext: () => undefined,
      verifyUserCode: () => undefined,
      // The in-process approver: the request is saved before this runs; approving it on the next turn of the event
      // loop is the peer's "push hop", done as fast as it can be.
      triggerAuthenticationDevice: (_ctx, request, account, forClient) => {
        setImmediate(() => {
          approve(request, account.accountId, forClient.clientId).catch((error: unknown) => {
            process.stderr.write(`approver failed: ${String(error)}\n`);
          });
        });
      },
    },
  },
});

async function approve(
  request: InstanceType<typeof provider.BackchannelAuthenticationRequest>,
  accountId: string,
  clientId: string,
) {
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope('openid');
  await grant.save();
  await provider.backchannelResult(request, grant);
}

// The default logs a warning per request about missing proxy settings and similar; the bench wants quiet.
provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error.message}\n`));
server.on('request', provider.callback());

process.stdout.write(`ciba peer listening on ${issuer}\n`);
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
