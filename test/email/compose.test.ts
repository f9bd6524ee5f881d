/**
 * The raw message Sluice writes itself (src/email/compose.ts): a subject is one header line
 * whatever it holds, so no text in it can add a header (Bcc, another To) to the message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { composeMessage } from '../../src/email/compose.ts';
import type { ActivityRow } from '../../src/email/activity-serialize.ts';

const row = (subject: string) =>
  ({
    id: 'acti_x',
    organization_id: 'orga_x',
    sender: 'Ann Seller <ann@seller.example>',
    to_emails: ['bob@buyer.example'],
    cc_emails: [],
    bcc_emails: [],
    subject,
    body_html: '<p>Hi</p>',
    body_text: 'Hi',
    message_id: '<m1@sluice.example>',
    reference_ids: [],
    recipient_email: 'bob@buyer.example',
  }) as unknown as ActivityRow;

for (const subject of ['Hello\r\nBcc: eve@evil.example', 'Hello\nBcc: eve@evil.example', 'Héllo\rBcc: eve@evil.example']) {
  test(`a line break in the subject adds no header (${JSON.stringify(subject)})`, async () => {
    const composed = await composeMessage(row(subject), 'https://sluice.example', 'secret');
    const raw = composed.raw.toString();
    assert.doesNotMatch(raw, /^Bcc:/im);
    const mail = await simpleParser(raw);
    assert.equal(mail.headers.get('bcc'), undefined);
    assert.equal(mail.subject, subject.replace(/\r\n|\r|\n/g, ' '));
  });
}
