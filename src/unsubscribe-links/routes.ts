/**
 * The public unsubscribe page, outside `/api/v1` and without an API key: `GET /unsubscribe/{token}`
 * shows a confirmation page with a button; `POST` records the unsubscribe. GET never unsubscribes,
 * because mail scanners and link previews fetch every URL in a message. The same POST answers
 * RFC 8058 one-click requests (`List-Unsubscribe=One-Click` sent by the mailbox provider).
 */
import type { Db } from '../db/database.ts';
import { recordEvent } from '../events/record-event.ts';
import type { AppDeps } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { verificationSecrets } from './secret.ts';
import { verifyUnsubscribeToken, type UnsubscribeTarget } from './token.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, inner: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}</style></head>
<body><h1>${escapeHtml(title)}</h1>${inner}</body></html>
`;
}

/** Records that `target.email` no longer wants bulk and sequence email from the organization. */
export async function unsubscribeAddress(db: Db, target: UnsubscribeTarget, at: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('unsubscribed_emails')
      .values({ organization_id: target.organizationId, email: target.email, date_created: at })
      .onConflict((oc) => oc.columns(['organization_id', 'email']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) return false;
    await recordEvent(trx, {
      organizationId: target.organizationId,
      objectType: 'unsubscribed_email',
      objectId: target.email,
      action: 'created',
      data: { email: target.email, organization_id: target.organizationId, date_created: at.toISOString() },
      meta: { source: 'unsubscribe_link' },
      at,
    });
    return true;
  });
}

/** Mounts the public unsubscribe page (called by server.ts outside `/api/v1`). */
export async function registerUnsubscribeLinkRoutes(app: App, deps: AppDeps): Promise<void> {
  // Browsers post forms and mailbox providers post RFC 8058 bodies as form data, not JSON; these
  // parsers apply inside this plugin only.
  const raw = (_request: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => done(null, String(body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, raw);
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, raw);

  const resolve = async (db: Db, secretSource: Parameters<typeof verificationSecrets>[1], token: string): Promise<UnsubscribeTarget | undefined> => {
    const target = verifyUnsubscribeToken(await verificationSecrets(db, secretSource), token);
    if (!target) return undefined;
    const org = await db.selectFrom('organizations').select('id').where('id', '=', target.organizationId).executeTakeFirst();
    return org ? target : undefined;
  };
  const notFoundPage = page('Link not valid', '<p>This unsubscribe link is not valid. Use the link from the email you received.</p>');
  // A wildcard, not `:token`: tokens are longer than the router's 100-character parameter limit.
  const options = { config: { public: true }, schema: { hide: true } };

  app.get('/unsubscribe/*', options, async (request, reply) => {
    const target = await resolve(deps.db, deps.config, (request.params as { '*': string })['*']);
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!target) return reply.status(404).send(notFoundPage);
    return page(
      'Unsubscribe',
      `<p>Stop receiving bulk and sequence emails at <strong>${escapeHtml(target.email)}</strong>?</p>
<form method="post"><button type="submit">Unsubscribe</button></form>`,
    );
  });

  app.post('/unsubscribe/*', options, async (request, reply) => {
    const target = await resolve(deps.db, deps.config, (request.params as { '*': string })['*']);
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!target) return reply.status(404).send(notFoundPage);
    await unsubscribeAddress(deps.db, target, deps.clock.now());
    return page('Unsubscribed', `<p><strong>${escapeHtml(target.email)}</strong> will receive no more bulk or sequence emails from us.</p>`);
  });
}
