// POST /v1/installation: a requester registers its public key with the API key it uses (bunq's own model). Its
// later session requests and status reads may then be signed, and trust can follow the program (grants).
import { Header, InstallationCreate, InstallationCreated } from '../../protocol/index.js';
import { installationView } from '../views/grant-views.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services/index.js';

export function installationRoutes(router: Router, services: Services): void {
  router.route({
    method: 'POST',
    url: '/v1/installation',
    operationId: 'registerInstallation',
    summary:
      "Register a requester installation's Ed25519 public key with the API key in X-Bunq-Client-Authentication (the same key again: the same id).",
    auth: 'api-key',
    body: InstallationCreate,
    responses: { 200: InstallationCreated },
    handler: async ({ body, request }) => {
      const apiKey = request.headers[Header.CLIENT_AUTHENTICATION];
      const row = await services.installations.register(typeof apiKey === 'string' ? apiKey : undefined, body);
      return { Response: [{ Id: { id: row.id } }, { Installation: installationView(row) }] };
    },
  });
}
