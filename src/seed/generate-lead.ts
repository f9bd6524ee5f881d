/**
 * Generates one lead with its contacts, emails, phones, URLs and addresses as COPY text lines.
 *
 * Content is drawn from a generator keyed by (seed, lead index) and ids from one keyed by (seed,
 * organization, lead index): the same seed gives the same leads in any organization, and the same
 * ids whenever the same organization is loaded again (in another database, say). Distributions are
 * chosen to look like a CRM: ~1.55 contacts a lead (0-4), most contacts with one email, some
 * personal-domain addresses shared by many leads, custom fields filled unevenly.
 */
import { formatPhone } from '../contacts/channels.ts';
import { copyRow, type SeedTable } from './copy-text.ts';
import type { Random } from './prng.ts';
import type { SeedFields } from './seed-fields.ts';
import {
  COMPANY_FIRST, COMPANY_SECOND, COMPANY_SUFFIX, DESCRIPTION_OPENERS, DESCRIPTION_SUBJECTS, EMAIL_TYPES, FIRST_NAMES,
  LAST_NAMES, NICKNAMES, PERSONAL_EMAIL_DOMAINS, PHONE_TYPES, PLACES, REFERRAL_SOURCES, STREETS, TITLES,
} from './word-lists.ts';

export interface GenerationContext {
  readonly organizationId: string;
  /** Lead statuses in display order; earlier ones are drawn more often. */
  readonly statusIds: readonly string[];
  readonly userIds: readonly string[];
  readonly fields: SeedFields;
  /** date_created spreads evenly over [startMs, endMs), rising with the lead index as real data does. */
  readonly startMs: number;
  readonly endMs: number;
  readonly total: number;
}

export type ChunkLines = Record<SeedTable, string[]>;

const CONTACT_COUNT_WEIGHTS = [10, 45, 30, 10, 5];
const EMAIL_COUNT_WEIGHTS = [10, 62, 23, 5];
const PHONE_COUNT_WEIGHTS = [25, 55, 20];
const ADDRESS_COUNT_WEIGHTS = [30, 60, 10];
const STATUS_WEIGHTS = [50, 20, 20, 10];
const TITLE_WEIGHTS = TITLES.map(([, weight]) => weight);
const TLDS = ['com', 'com', 'com', 'com', 'io', 'co', 'net', 'de', 'co.uk'];
const NATIONAL_LENGTH: Readonly<Record<string, number>> = { '+1': 10, '+44': 10, '+49': 10, '+33': 9, '+31': 9, '+34': 9, '+420': 9, '+61': 9, '+65': 8 };
const DAY_MS = 86_400_000;

/** Stored datetime form of custom fields (src/custom-fields/values.ts): UTC with an explicit offset. */
function storedDatetime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

function digits(random: Random, count: number): string {
  let out = String(random.between(2, 9));
  while (out.length < count) out += String(random.int(10));
  return out;
}

function seniorityOf(title: string | null): string | undefined {
  if (title === null) return undefined;
  if (/^(CEO|CTO|CFO|COO|President|Founder|Co-Founder|Owner)$/.test(title)) return 'C-Level';
  if (title.startsWith('VP')) return 'VP';
  if (title.startsWith('Director') || title.startsWith('Head')) return 'Director';
  if (title.endsWith('Manager')) return 'Manager';
  return 'Individual Contributor';
}

function pickChoice(random: Random, choices: readonly string[] | null, preferred?: string): string | undefined {
  if (!choices || choices.length === 0) return undefined;
  if (preferred !== undefined && choices.includes(preferred)) return preferred;
  // Skewed towards the first choices: real picklists have a few common values and a long tail.
  return choices[Math.min(choices.length - 1, Math.floor(choices.length * random.float() * random.float() * 1.6))]!;
}

function leadCustom(random: Random, ctx: GenerationContext, createdMs: number): Record<string, unknown> {
  const f = ctx.fields;
  const custom: Record<string, unknown> = {};
  const industry = random.chance(0.85) ? pickChoice(random, f.industry.choices) : undefined;
  if (industry !== undefined) custom[f.industry.id] = industry;
  if (random.chance(0.45) && f.products.choices) custom[f.products.id] = random.sample(f.products.choices, random.between(1, 3));
  if (random.chance(0.7)) custom[f.revenue.id] = Math.round(10 ** (4 + random.float() * 4) / 1000) * 1000;
  if (random.chance(0.75)) custom[f.employees.id] = Math.max(1, Math.round(10 ** (random.float() * 4.3)));
  if (random.chance(0.35)) {
    custom[f.contract_start.id] = new Date(createdMs + random.int(365) * DAY_MS).toISOString().slice(0, 10);
  }
  if (random.chance(0.4)) custom[f.last_demo.id] = storedDatetime(createdMs + random.int(120 * DAY_MS));
  if (random.chance(0.4)) custom[f.referral.id] = `${random.pick(REFERRAL_SOURCES)}${random.chance(0.3) ? ` (${random.pick(COMPANY_FIRST)} campaign)` : ''}`;
  if (random.chance(0.6) && ctx.userIds.length > 0) custom[f.owner.id] = random.pick(ctx.userIds);
  if (random.chance(0.3)) custom[f.internal_score.id] = String(random.between(0, 100));
  return custom;
}

function phoneNumber(random: Random, code: string): string {
  return code + digits(random, NATIONAL_LENGTH[code] ?? 9);
}

/** Appends the rows of lead number `index` to `out`; returns how many contacts it has. */
export function generateLead(index: number, data: Random, ids: Random, ctx: GenerationContext, out: ChunkLines): number {
  const org = ctx.organizationId;
  const leadId = `lead_${ids.base62(43)}`;
  const span = ctx.endMs - ctx.startMs;
  const createdMs = Math.floor(ctx.startMs + ((index + data.float()) / ctx.total) * span);
  const updatedMs = createdMs + Math.floor(data.float() * data.float() * (ctx.endMs - createdMs));
  const statusWeights = ctx.statusIds.map((_, i) => STATUS_WEIGHTS[i] ?? 5);
  const creator = ctx.userIds.length > 0 ? data.pick(ctx.userIds) : null;

  const first = data.pick(COMPANY_FIRST);
  const second = data.pick(COMPANY_SECOND);
  const name = data.chance(0.6) ? `${first} ${second} ${data.pick(COMPANY_SUFFIX)}` : `${first} ${second}`;
  const domain = `${slug(first)}${slug(second)}${data.chance(0.3) ? data.between(1, 99) : ''}.${data.pick(TLDS)}`;
  const place = data.pick(PLACES);
  const url = data.chance(0.75) ? `https://${data.chance(0.7) ? 'www.' : ''}${domain}` : null;
  const description = data.chance(0.6) ? `${data.pick(DESCRIPTION_OPENERS)} ${data.pick(DESCRIPTION_SUBJECTS)} based in ${place[0]}.` : null;
  out.leads.push(
    copyRow([
      leadId, org, name, description, url, ctx.statusIds[data.weighted(statusWeights)]!, JSON.stringify(leadCustom(data, ctx, createdMs)),
      creator, ctx.userIds.length > 0 ? data.pick(ctx.userIds) : null, new Date(createdMs).toISOString(), new Date(updatedMs).toISOString(),
    ]),
  );

  const addressCount = data.weighted(ADDRESS_COUNT_WEIGHTS);
  for (let a = 0; a < addressCount; a++) {
    const where = a === 0 ? place : data.pick(PLACES);
    out.addresses.push(
      copyRow([
        org, leadId, a, a === 0 ? 'business' : data.pick(['mailing', 'other']), `${data.between(1, 9999)} ${data.pick(STREETS)}`,
        data.chance(0.15) ? `Suite ${data.between(100, 999)}` : null, where[0], where[1] || null, `${where[2]}${digits(data, 2)}`, where[3],
      ]),
    );
  }

  const contactCount = data.weighted(CONTACT_COUNT_WEIGHTS);
  for (let c = 0; c < contactCount; c++) {
    const contactId = `cont_${ids.base62(43)}`;
    const firstName = data.pick(FIRST_NAMES);
    const lastName = data.pick(LAST_NAMES);
    const title = data.chance(0.8) ? TITLES[data.weighted(TITLE_WEIGHTS)]![0] : null;
    const custom: Record<string, unknown> = {};
    if (data.chance(0.1)) custom[ctx.fields.nickname.id] = data.pick(NICKNAMES);
    const seniority = data.chance(0.7) ? pickChoice(data, ctx.fields.seniority.choices, seniorityOf(title)) : undefined;
    if (seniority !== undefined) custom[ctx.fields.seniority.id] = seniority;
    const contactCreated = Math.min(ctx.endMs - 1, createdMs + data.int(14 * DAY_MS));
    out.contacts.push(
      copyRow([
        contactId, org, leadId, data.chance(0.98) ? `${firstName} ${lastName}` : null, title, JSON.stringify(custom),
        creator, creator, new Date(contactCreated).toISOString(), new Date(Math.max(contactCreated, updatedMs)).toISOString(),
      ]),
    );

    const local = `${slug(firstName)}.${slug(lastName)}`;
    const emailCount = data.weighted(EMAIL_COUNT_WEIGHTS);
    for (let e = 0; e < emailCount; e++) {
      const personal = e > 0 || data.chance(0.25);
      const email = personal
        ? `${slug(firstName)}${e === 0 ? '' : '.'}${slug(lastName)}${data.between(1, 999)}@${data.pick(PERSONAL_EMAIL_DOMAINS)}`
        : `${local}@${domain}`;
      out.contact_emails.push(copyRow([org, contactId, leadId, e, email, personal ? data.pick(['home', 'other']) : data.pick(EMAIL_TYPES)]));
    }
    const phoneCount = data.weighted(PHONE_COUNT_WEIGHTS);
    for (let p = 0; p < phoneCount; p++) {
      const where = data.chance(0.9) ? place : data.pick(PLACES);
      const phone = phoneNumber(data, where[4]);
      out.contact_phones.push(copyRow([org, contactId, leadId, p, phone, formatPhone(phone), where[3], data.pick(PHONE_TYPES)]));
    }
    if (data.chance(0.2)) {
      out.contact_urls.push(copyRow([org, contactId, leadId, 0, `https://www.linkedin.com/in/${slug(firstName)}-${slug(lastName)}-${data.base62(6).toLowerCase()}`, 'url']));
    }
  }
  return contactCount;
}
