// Server status (open), user/authenticate (open; td-server has no users, so it always refuses
// the way TD refuses a wrong password) and account/show.

import { ApiError, sendJson, tdTime } from '../../http.js';
import type { Route } from '../../router.js';

export function systemRoutes(account: { id: number; createdAt: string; maxCores: number }): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/v3/system/server_status',
      open: true,
      handler: ({ res }) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      method: 'POST',
      pattern: '/v3/user/authenticate',
      open: true,
      handler: () => {
        throw new ApiError(400, 'User name or password mismatched.');
      },
    },
    {
      method: 'GET',
      pattern: '/v3/account/show',
      handler: ({ res, store }) =>
        sendJson(res, 200, {
          account: {
            id: account.id,
            plan: 0,
            storage_size: store.storageSize(),
            guaranteed_cores: 0,
            maximum_cores: account.maxCores,
            created_at: tdTime(Date.parse(account.createdAt)),
          },
        }),
    },
  ];
}
