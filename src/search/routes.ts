/**
 * `POST /data/search/`: Advanced Filtering over leads and contacts. The body is read by hand
 * (`search-request.ts`, `parse.ts`) so every refusal names the JSON path of the bad node.
 */
import { Type } from 'typebox';
import type { App } from '../http/server.ts';
import { search } from './index.ts';
import { registerSavedSearchRoutes } from './saved-search-routes.ts';

export async function registerSearchRoutes(app: App): Promise<void> {
  app.post(
    '/data/search/',
    {
      schema: {
        tags: ['search'],
        summary: 'Advanced Filtering: search leads or contacts with a structured query',
        body: Type.Unknown({ description: '{query, _fields, _limit, cursor, results_limit, include_counts, sort}' }),
      },
    },
    async (request) => {
      const { db, organizationId, userId, tzOffsetMinutes, clock } = request.ctx;
      return search({ db, organizationId, userId, tzOffsetMinutes, now: clock.now() }, request.body);
    },
  );
  await registerSavedSearchRoutes(app);
}
