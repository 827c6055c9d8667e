// GET /openapi.json, built once from the routes registered before it.
import { z } from 'zod';
import { buildOpenApi, type OpenApiDocument } from '../http/openapi.js';
import type { Router } from '../http/router.js';

export function openApiRoute(router: Router): void {
  let document: OpenApiDocument | null = null;
  router.route({
    method: 'GET',
    url: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document: every route of protocol v1, generated from the protocol schemas.',
    auth: 'none',
    responses: { 200: z.object({ openapi: z.string() }).loose() },
    handler: async () => {
      document ??= buildOpenApi(router.catalog);
      return document;
    },
  });
}
