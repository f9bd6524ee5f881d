/**
 * Data for the fault tests: leads each with one contact and one email address, inserted straight
 * into PostgreSQL (thousands in a few statements), and the sender account, template and one-step
 * sequence made through the API as a client would.
 */
import assert from 'node:assert/strict';
import type { Db } from '../../../src/db/database.ts';
import { newId } from '../../../src/ids.ts';

export interface SeededLeads {
  readonly leadIds: string[];
  readonly contactIds: string[];
  /** The contact email of each lead, in the same order. */
  readonly emails: string[];
}

/** Inserts `n` leads named `${word} lead NNNN`, each with one contact whose email is `${word}-NNNN@${domain}` (lower case). */
export async function insertLeadsWithEmails(db: Db, organizationId: string, n: number, word: string, domain = 'faults.example'): Promise<SeededLeads> {
  const status = await db.selectFrom('lead_statuses').select('id').where('organization_id', '=', organizationId).orderBy('position').executeTakeFirstOrThrow();
  const leads = [];
  const contacts = [];
  const emails = [];
  for (let i = 0; i < n; i++) {
    const number = String(i).padStart(4, '0');
    const leadId = newId('lead');
    const contactId = newId('cont');
    leads.push({ id: leadId, organization_id: organizationId, name: `${word} lead ${number}`, status_id: status.id, custom: '{}' });
    contacts.push({ id: contactId, organization_id: organizationId, lead_id: leadId, name: `Pat ${word} ${number}`, custom: '{}' });
    emails.push({ organization_id: organizationId, contact_id: contactId, lead_id: leadId, position: 0, email: `${word.toLowerCase()}-${number}@${domain}`, type: 'office' });
  }
  for (let i = 0; i < n; i += 1000) {
    await db.insertInto('leads').values(leads.slice(i, i + 1000)).execute();
    await db.insertInto('contacts').values(contacts.slice(i, i + 1000)).execute();
    await db.insertInto('contact_emails').values(emails.slice(i, i + 1000)).execute();
  }
  return { leadIds: leads.map((l) => l.id), contactIds: contacts.map((c) => c.id), emails: emails.map((e) => e.email) };
}

/** An API call of one organization: method, path, JSON body. */
export type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export interface MailSetup {
  readonly accountId: string;
  readonly templateId: string;
  /** A sequence of one email step due at once. */
  readonly sequenceId: string;
  readonly sender: { sender_account_id: string; sender_name: string; sender_email: string };
}

/** Connects a sender account delivering to the SMTP server on `smtpPort`, a template and a sequence. */
export async function setUpMail(call: Call, smtpPort: number): Promise<MailSetup> {
  const email = 'sam@sender.example';
  const account = await call('POST', '/api/v1/connected_account/', {
    _type: 'custom_email',
    email,
    identities: [{ email, name: 'Sam Sender' }],
    smtp: { host: '127.0.0.1', port: smtpPort, use_ssl: false, require_tls: false },
  });
  assert.equal(account.status, 200, JSON.stringify(account.body));
  const template = await call('POST', '/api/v1/email_template/', { name: 'Faults', subject: 'Hello {{ contact.first_name }}', body: '<p>Hi {{ contact.name }}</p>' });
  assert.equal(template.status, 200, JSON.stringify(template.body));
  const sequence = await call('POST', '/api/v1/sequence/', { name: 'Faults', steps: [{ step_type: 'email', delay: 0, email_template_id: template.body.id }] });
  assert.ok(sequence.status === 200 || sequence.status === 201, JSON.stringify(sequence.body));
  return {
    accountId: account.body.id,
    templateId: template.body.id,
    sequenceId: sequence.body.id,
    sender: { sender_account_id: account.body.id, sender_name: 'Sam Sender', sender_email: email },
  };
}
