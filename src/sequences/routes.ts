/** Mounts `/sequence/` and `/sequence_subscription/`. */
import type { App } from '../http/server.ts';
import { registerSequenceCrudRoutes } from './sequence-routes.ts';
import { registerSubscriptionRoutes } from './subscription-routes.ts';

export async function registerSequenceRoutes(app: App): Promise<void> {
  await registerSequenceCrudRoutes(app);
  await registerSubscriptionRoutes(app);
}
