/**
 * Every domain's routes, mounted under `/api/v1`. Each domain exports one `register…Routes(app)`;
 * add a line here when a domain gains an API.
 */
import { registerContactRoutes } from '../contacts/routes.ts';
import { registerLeadRoutes } from '../leads/routes.ts';
import { registerCustomFieldRoutes } from '../custom-fields/routes.ts';
import { registerOrganizationRoutes } from '../orgs/routes.ts';
import { registerSequenceRoutes } from '../sequences/routes.ts';
import { registerStatusRoutes } from '../statuses/routes.ts';
import { registerUnsubscribeRoutes } from '../unsubscribes/routes.ts';
import { registerUserRoutes } from '../users/routes.ts';
import { registerConnectedAccountRoutes } from '../connected-accounts/routes.ts';
import { registerEmailActivityRoutes } from '../email/activity-routes.ts';
import { registerUnkeptActivityRoutes } from '../activities/unkept-activity-routes.ts';
import { registerEmailTemplateRoutes } from '../email-templates/routes.ts';
import { registerBulkActionRoutes } from '../bulk-actions/routes.ts';
import { registerExportRoutes } from '../exports/routes.ts';
import { registerSearchRoutes } from '../search/routes.ts';
import { registerEventRoutes } from '../events/routes.ts';
import { registerWebhookRoutes } from '../webhooks/routes.ts';
import type { App } from './server.ts';

export async function registerRoutes(app: App): Promise<void> {
  await registerUserRoutes(app);
  await registerSearchRoutes(app);
  await registerBulkActionRoutes(app);
  await registerExportRoutes(app);
  await registerOrganizationRoutes(app);
  await registerLeadRoutes(app);
  await registerContactRoutes(app);
  await registerUnsubscribeRoutes(app);
  await registerStatusRoutes(app);
  await registerCustomFieldRoutes(app);
  await registerSequenceRoutes(app);
  await registerConnectedAccountRoutes(app);
  await registerEmailTemplateRoutes(app);
  await registerEmailActivityRoutes(app);
  await registerUnkeptActivityRoutes(app);
  await registerEventRoutes(app);
  await registerWebhookRoutes(app);
}
