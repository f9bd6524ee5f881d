/**
 * The benchmark organization: one per lead count, found by name and reused across runs (a million
 * leads take minutes to load), seeded with `sluice seed`'s generator when absent.
 */
import cliProgress from 'cli-progress';
import { createApiKey } from '../../src/auth/api-keys.ts';
import type { OpenDatabase } from '../../src/db/database.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { seedOrganization, type SeedSummary } from '../../src/seed/seed-organization.ts';

export interface BenchOrganization {
  readonly organizationId: string;
  readonly userId: string;
  readonly apiKey: string;
  readonly leads: number;
  readonly contacts: number;
  /** Set when this run loaded the data (null when it was reused). */
  readonly seeded: SeedSummary | null;
}

/** Finds or creates and seeds the organization holding `leads` generated leads (seed "bench"). */
export async function benchOrganization(database: OpenDatabase, leads: number): Promise<BenchOrganization> {
  const { db, pool } = database;
  const name = `Benchmark: ${leads} leads`;
  let org = await db.selectFrom('organizations').select('id').where('name', '=', name).orderBy('date_created').executeTakeFirst();
  let seeded: SeedSummary | null = null;
  if (!org) {
    const created = await createOrganization(db, { name, userEmail: 'bench@example.com' });
    org = { id: created.organization_id };
  }
  const count = async (table: 'leads' | 'contacts') =>
    Number((await pool.query(`SELECT count(*) AS n FROM ${table} WHERE organization_id = $1`, [org!.id])).rows[0].n);
  const existing = await count('leads');
  if (existing === 0 && leads > 0) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000, format: 'seeding [{bar}] {percentage}% | {value}/{total} leads | {duration_formatted}' },
      cliProgress.Presets.shades_classic,
    );
    bar.start(leads, 0);
    seeded = await seedOrganization(database, { organizationId: org.id, leads, seed: 'bench', onProgress: (n) => bar.update(n) });
    bar.stop();
  } else if (existing !== leads) {
    throw new Error(`organization "${name}" (${org.id}) holds ${existing} leads, expected ${leads}; drop it or the database`);
  }
  const user = await db.selectFrom('users').select('id').where('organization_id', '=', org.id).orderBy('date_created').executeTakeFirstOrThrow();
  const key = await createApiKey(db, org.id, user.id);
  return { organizationId: org.id, userId: user.id, apiKey: key.key, leads, contacts: await count('contacts'), seeded };
}
