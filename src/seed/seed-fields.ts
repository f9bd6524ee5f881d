/**
 * The standard custom fields a seeded organization gets: one of every type on leads (single and
 * multi-value choices among them) and a text and a choices field on contacts. Existing fields of the
 * same name, object type, type and multiplicity are reused, so seeding twice adds no fields; new ones
 * get ids derived from the organization and the field, so two loads of one organization agree.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { CustomFieldDef, CustomFieldType } from '../custom-fields/values.ts';
import { keyFrom, Random } from './prng.ts';

export type SeedFieldKey =
  | 'industry' | 'products' | 'revenue' | 'employees' | 'contract_start' | 'last_demo' | 'referral'
  | 'owner' | 'internal_score' | 'nickname' | 'seniority';

interface SeedFieldSpec {
  readonly key: SeedFieldKey;
  readonly object_type: 'lead' | 'contact';
  readonly name: string;
  readonly type: CustomFieldType;
  readonly multi?: boolean;
  readonly choices?: readonly string[];
}

export const INDUSTRIES = [
  'Software as a service', 'E-commerce', 'Healthcare', 'Manufacturing', 'Financial services', 'Education',
  'Real estate', 'Hospitality', 'Logistics', 'Media', 'Non-profit', 'Retail',
] as const;

export const PRODUCTS = ['Starter', 'Professional', 'Enterprise', 'API access', 'Onboarding', 'Premium support', 'Analytics add-on', 'SSO'] as const;

export const SENIORITIES = ['C-Level', 'VP', 'Director', 'Manager', 'Individual Contributor'] as const;

export const SEED_FIELD_SPECS: readonly SeedFieldSpec[] = [
  { key: 'industry', object_type: 'lead', name: 'Industry', type: 'choices', choices: INDUSTRIES },
  { key: 'products', object_type: 'lead', name: 'Products of Interest', type: 'choices', multi: true, choices: PRODUCTS },
  { key: 'revenue', object_type: 'lead', name: 'Annual Revenue', type: 'number' },
  { key: 'employees', object_type: 'lead', name: 'Employee Count', type: 'number' },
  { key: 'contract_start', object_type: 'lead', name: 'Contract Start', type: 'date' },
  { key: 'last_demo', object_type: 'lead', name: 'Last Demo', type: 'datetime' },
  { key: 'referral', object_type: 'lead', name: 'Referral Source', type: 'text' },
  { key: 'owner', object_type: 'lead', name: 'Account Owner', type: 'user' },
  { key: 'internal_score', object_type: 'lead', name: 'Internal Score', type: 'hidden' },
  { key: 'nickname', object_type: 'contact', name: 'Nickname', type: 'text' },
  { key: 'seniority', object_type: 'contact', name: 'Seniority', type: 'choices', choices: SENIORITIES },
];

export type SeedFields = Readonly<Record<SeedFieldKey, CustomFieldDef>>;

/** The deterministic id of a seed field created in `organizationId`. */
export function seedFieldId(organizationId: string, spec: SeedFieldSpec): string {
  const random = new Random(keyFrom('seed-field', organizationId, spec.object_type, spec.name, spec.type, spec.multi ? 'multi' : 'single'));
  return `cf_${random.base62(43)}`;
}

/** Finds or creates the standard seed fields of an organization; returns them by key. */
export async function ensureSeedFields(db: Kysely<Database>, organizationId: string, userId: string | null): Promise<SeedFields> {
  const existing = await db
    .selectFrom('custom_fields')
    .select(['id', 'organization_id', 'object_type', 'name', 'type', 'choices', 'accepts_multiple_values'])
    .where('organization_id', '=', organizationId)
    .orderBy('date_created')
    .orderBy('id')
    .execute();
  const result: Partial<Record<SeedFieldKey, CustomFieldDef>> = {};
  for (const spec of SEED_FIELD_SPECS) {
    const multi = spec.multi ?? false;
    // Names are unique per object type ignoring case: a same-named field of another type (or an
    // empty picklist) is left alone and the seed field takes a suffixed name instead.
    for (let attempt = 0; result[spec.key] === undefined; attempt++) {
      const name = attempt === 0 ? spec.name : `${spec.name} (seed${attempt === 1 ? '' : ` ${attempt}`})`;
      const found = existing.find((row) => row.object_type === spec.object_type && row.name.toLowerCase() === name.toLowerCase());
      if (found) {
        const fits = found.type === spec.type && found.accepts_multiple_values === multi && (spec.type !== 'choices' || (found.choices ?? []).length > 0);
        if (fits) result[spec.key] = { ...found, type: found.type as CustomFieldType, choices: found.choices ?? null };
        continue;
      }
      const id = seedFieldId(organizationId, { ...spec, name });
      await db
        .insertInto('custom_fields')
        .values({
          id,
          organization_id: organizationId,
          object_type: spec.object_type,
          name,
          description: 'Created by `sluice seed`.',
          type: spec.type,
          choices: spec.choices ? JSON.stringify(spec.choices) : null,
          accepts_multiple_values: multi,
          editable_with_roles: '[]',
          created_by: userId,
          updated_by: userId,
        })
        .execute();
      result[spec.key] = { id, organization_id: organizationId, object_type: spec.object_type, name, type: spec.type, choices: spec.choices ?? null, accepts_multiple_values: multi };
    }
  }
  return result as SeedFields;
}
