/**
 * The organization the load and scale benchmarks run on: found by name and topped up to `leads`
 * generated leads when it holds fewer (the load benchmark's POSTs add leads, so an exact count, as
 * bench-organization.ts checks, would refuse the second run).
 */
import { createApiKey } from '../../src/auth/api-keys.ts';
import type { OpenDatabase } from '../../src/db/database.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { seedOrganization } from '../../src/seed/seed-organization.ts';

export interface LoadOrganization {
  readonly organizationId: string;
  readonly userId: string;
  readonly apiKey: string;
  /** Leads it holds after the top-up. */
  readonly leads: number;
}

/** Finds or creates `Load benchmark: N leads`, seeds it up to `leads`, and makes it a new API key. */
export async function loadOrganization(database: OpenDatabase, leads: number, log: (message: string) => void): Promise<LoadOrganization> {
  const { db, pool } = database;
  const name = `Load benchmark: ${leads} leads`;
  let org = await db.selectFrom('organizations').select('id').where('name', '=', name).orderBy('date_created').executeTakeFirst();
  if (!org) org = { id: (await createOrganization(db, { name, userEmail: 'load@example.com' })).organization_id };
  const count = async () => Number((await pool.query('SELECT count(*) AS n FROM leads WHERE organization_id = $1', [org.id])).rows[0].n);
  const before = await count();
  if (before < leads) {
    log(`seeding ${leads - before} leads into ${org.id} (holds ${before})`);
    const summary = await seedOrganization(database, { organizationId: org.id, leads: leads - before, seed: `load-${Date.now()}` });
    log(`seeded in ${summary.seconds} s`);
  }
  const user = await db.selectFrom('users').select('id').where('organization_id', '=', org.id).orderBy('date_created').executeTakeFirstOrThrow();
  const key = await createApiKey(db, org.id, user.id);
  return { organizationId: org.id, userId: user.id, apiKey: key.key, leads: await count() };
}
