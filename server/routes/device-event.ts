// GET /v1/user/{userID}/device-event: the enrolment audit trail, every pairing and removal of the user's devices,
// newest first. Apart from the session-request history, which old approvers parse strictly entry by entry.
import { z } from 'zod';
import { DeviceEventList, DeviceEventQuery, IdParam } from '../../protocol/index.js';
import { deviceEventView } from '../views/device-events.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services/index.js';

export function deviceEventRoutes(router: Router, services: Services): void {
  router.deviceRoute({
    method: 'GET',
    url: '/v1/user/:userID/device-event',
    operationId: 'listDeviceEvents',
    summary: "Audit trail of the user's device pairings and removals, newest first (paged with older_than).",
    params: z.object({ userID: IdParam }),
    query: DeviceEventQuery,
    responses: { 200: DeviceEventList },
    handler: async ({ params, query }) => {
      const rows = await services.history.deviceEvents(params.userID, query);
      return { Response: rows.map((row) => ({ DeviceEvent: deviceEventView(row) })) };
    },
  });
}
