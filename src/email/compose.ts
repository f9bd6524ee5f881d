/**
 * An email activity as a MIME message: its stable Message-ID, threading headers, and the
 * unsubscribe headers of RFC 2369 / RFC 8058 (`List-Unsubscribe` with the signed public URL and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`), which mailbox providers require of bulk
 * senders.
 */
import type { SendMailOptions } from 'nodemailer';
import { unsubscribeUrl } from '../unsubscribe-links/token.ts';
import type { ActivityRow } from './activity-serialize.ts';

/** The nodemailer message for `row`. */
export function composeMessage(row: ActivityRow, publicUrl: string, secret: string): SendMailOptions & { activityId: string } {
  const references = row.reference_ids ?? [];
  const unsubscribe = unsubscribeUrl(publicUrl, secret, row.organization_id, row.recipient_email);
  return {
    activityId: row.id,
    messageId: row.message_id,
    from: row.sender,
    to: row.to_emails,
    cc: row.cc_emails?.length ? row.cc_emails : undefined,
    bcc: row.bcc_emails?.length ? row.bcc_emails : undefined,
    subject: row.subject,
    html: row.body_html,
    text: row.body_text,
    inReplyTo: references.length > 0 ? references[references.length - 1] : undefined,
    references: references.length > 0 ? references : undefined,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
