/**
 * Fixtures for the sequence tests, made through the public API (templates, sender accounts, leads
 * with contacts), so the tests exercise what a client would do.
 */
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/app.ts';

export interface Org {
  readonly organization_id: string;
  readonly user_id: string;
  readonly api_key: string;
}

/** Creates an email template and returns its id. */
export async function createTemplate(t: TestApp, org: Org, subject: string, body: string): Promise<string> {
  const res = await t.call('POST', '/api/v1/email_template/', { key: org.api_key, body: { name: subject, subject, body } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id;
}

/**
 * Connects a sender account delivering over SMTP to `smtpPort` (or the local outbox without one),
 * without STARTTLS (the test sink offers none); the app must allow 127.0.0.1 (OUTBOUND_ALLOW_HOSTS).
 */
export async function createAccount(t: TestApp, org: Org, email: string, smtpPort?: number): Promise<string> {
  const body: Record<string, unknown> = { _type: 'custom_email', email, identities: [{ email, name: 'Sam Sender' }] };
  if (smtpPort !== undefined) body.smtp = { host: '127.0.0.1', port: smtpPort, use_ssl: false, require_tls: false };
  const res = await t.call('POST', '/api/v1/connected_account/', { key: org.api_key, body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id;
}

/** Creates a lead with one contact per email list given; returns the lead with its contacts. */
export async function createLead(t: TestApp, org: Org, name: string, contacts: { name: string; emails: string[] }[]): Promise<any> {
  const res = await t.call('POST', '/api/v1/lead/', {
    key: org.api_key,
    body: { name, contacts: contacts.map((c) => ({ name: c.name, emails: c.emails.map((email) => ({ email, type: 'office' })) })) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}
