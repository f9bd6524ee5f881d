/**
 * A contact's emails, phones and URLs: normalising what a client sends (phones to E.164 with
 * libphonenumber-js, US as the country of numbers written without `+`) and replacing the stored
 * lists. Each list is written in one statement, whatever its length.
 */
import type { Kysely } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Database } from '../db/schema.ts';
import { fieldError } from '../errors.ts';
import { yielder } from '../event-loop.ts';
import type { EmailInput, PhoneInput, UrlInput } from './schemas.ts';

const DEFAULT_PHONE_COUNTRY = 'US';

export interface ChannelInput {
  readonly emails?: readonly EmailInput[];
  readonly phones?: readonly PhoneInput[];
  readonly urls?: readonly UrlInput[];
}

export interface NormalizedPhone {
  readonly phone: string;
  readonly country: string | null;
  readonly type: string;
}

/** `+1 (800) 444-5555` → `{phone: '+18004445555', country: 'US'}`; a 400 at `path` when unparsable. */
export function normalizePhone(raw: string, type: string | undefined, path: string): NormalizedPhone {
  const parsed = parsePhoneNumberFromString(raw.trim(), DEFAULT_PHONE_COUNTRY);
  if (!parsed || !parsed.isPossible()) throw fieldError(path, 'Invalid phone number.');
  return { phone: parsed.number, country: parsed.country ?? null, type: type ?? 'office' };
}

/**
 * The display form of an E.164 number (`+1 800 444 5555`), stored beside it when written
 * (contact_phones.phone_formatted): reads never format.
 */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** Checks and normalises every phone of `input` before anything is written. */
export function normalizeChannels(input: ChannelInput, pathPrefix: string): {
  emails?: { email: string; type: string }[];
  phones?: NormalizedPhone[];
  urls?: { url: string; type: string }[];
} {
  const prefix = pathPrefix === '' ? '' : `${pathPrefix}.`;
  return {
    emails: input.emails?.map((e) => ({ email: e.email.trim(), type: e.type ?? 'office' })),
    phones: input.phones?.map((p, i) => normalizePhone(p.phone, p.type, `${prefix}phones[${i}].phone`)),
    urls: input.urls?.map((u) => ({ url: u.url.trim(), type: u.type ?? 'url' })),
  };
}

export interface ChannelOwner {
  readonly organizationId: string;
  readonly contactId: string;
  readonly leadId: string;
}

/**
 * Writes the given lists for many contacts at once; a list that is present replaces the stored one
 * (so callers pass only what the request named).
 */
export async function writeChannels(
  trx: Kysely<Database>,
  items: readonly { owner: ChannelOwner; channels: ReturnType<typeof normalizeChannels>; replace: boolean }[],
): Promise<void> {
  const kinds = ['emails', 'phones', 'urls'] as const;
  for (const kind of kinds) {
    const touched = items.filter((item) => item.channels[kind] !== undefined);
    if (touched.length === 0) continue;
    const table = kind === 'emails' ? 'contact_emails' : kind === 'phones' ? 'contact_phones' : 'contact_urls';
    const organizationId = touched[0]!.owner.organizationId;
    const replaced = touched.filter((item) => item.replace).map((item) => item.owner.contactId);
    if (replaced.length > 0) {
      await trx.deleteFrom(table).where('organization_id', '=', organizationId).where('contact_id', 'in', replaced).execute();
    }
    const base = (owner: ChannelOwner, position: number) => ({
      organization_id: owner.organizationId,
      contact_id: owner.contactId,
      lead_id: owner.leadId,
      position,
    });
    if (kind === 'emails') {
      const rows = touched.flatMap((t) => (t.channels.emails ?? []).map((e, i) => ({ ...base(t.owner, i), email: e.email, type: e.type })));
      if (rows.length > 0) await trx.insertInto('contact_emails').values(rows).execute();
    } else if (kind === 'phones') {
      // Formatting parses each number again (tens of microseconds): the loop yields, so a request
      // with thousands of phones never holds the event loop for long.
      const pause = yielder();
      const rows = [];
      for (const t of touched) {
        for (const [i, p] of (t.channels.phones ?? []).entries()) {
          await pause();
          rows.push({ ...base(t.owner, i), phone: p.phone, phone_formatted: formatPhone(p.phone), country: p.country, type: p.type });
        }
      }
      if (rows.length > 0) await trx.insertInto('contact_phones').values(rows).execute();
    } else {
      const rows = touched.flatMap((t) => (t.channels.urls ?? []).map((u, i) => ({ ...base(t.owner, i), url: u.url, type: u.type })));
      if (rows.length > 0) await trx.insertInto('contact_urls').values(rows).execute();
    }
  }
}
