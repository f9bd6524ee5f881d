/**
 * SMTP AUTH CRAM-MD5 (RFC 2195), used in place of nodemailer's own. A tenant's SMTP server is
 * hostile input, and nodemailer reads the challenge with /^334\s+(.+)$/: on a reply of spaces
 * ending in a lone CR its `\s+` and `.+` share the run in every way, quadratic at least (100,000
 * spaces took 10 s). Here the challenge is the reply's text, trimmed: linear. nodemailer only picks
 * CRAM-MD5 when the server offers neither PLAIN nor LOGIN.
 */
import { createHmac } from 'node:crypto';
import type SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';

export async function cramMd5Auth(ctx: SMTPConnection.CustomAuthenticationContext): Promise<void> {
  const { user = '', pass = '' } = ctx.auth.credentials;
  const challenge = await ctx.sendCommand('AUTH CRAM-MD5');
  const encoded = challenge.text.trim();
  if (challenge.status !== 334 || encoded === '') throw new Error('Invalid login sequence while waiting for server challenge string');
  const digest = createHmac('md5', pass).update(Buffer.from(encoded, 'base64').toString('ascii')).digest('hex');
  const result = await ctx.sendCommand(Buffer.from(`${user} ${digest}`, 'utf-8').toString('base64'));
  if (result.status !== 235) throw new Error(`Invalid login: ${result.response.slice(0, 200)}`);
}
