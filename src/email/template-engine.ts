/**
 * Checking a template being saved (a 400 on `subject` or `body`). The Liquid work itself
 * (liquid-engine.ts: no file system, bounded cost) runs on worker threads (template-pool.ts);
 * render.ts renders for recipients.
 */
import { fieldError } from '../errors.ts';
import type { TemplateLimits } from './liquid-engine.ts';
import { checkTemplateSource, type RenderResult, type TemplateSource } from './template-pool.ts';

export type { RenderResult, TemplateLimits, TemplateSource };

/** Variables a template sees for one recipient. */
export type TemplateScope = Record<string, unknown>;

const custom = { 'Sample field': 'sample value' };

/** Typical values of every tag, for the trial render of a template being saved. */
const SAMPLE_SCOPE: TemplateScope = {
  contact: { id: 'cont_sample', name: 'Sam Sample', display_name: 'Sam Sample', first_name: 'Sam', last_name: 'Sample', title: 'Buyer', email: 'sam@example.com', custom },
  lead: { id: 'lead_sample', name: 'Sample Inc.', display_name: 'Sample Inc.', url: 'https://example.com', description: 'A sample lead.', status_label: 'Potential', custom },
  user: { id: 'user_sample', first_name: 'Alex', last_name: 'Sender', full_name: 'Alex Sender', email: 'alex@example.com' },
  sender: { name: 'Alex Sender', email: 'alex@example.com' },
  organization: { id: 'orga_sample', name: 'Sample Org' },
  unsubscribe_url: 'https://example.com/unsubscribe/sample',
};

/**
 * Checks a template being saved: it must parse, use no file tags, and render a typical recipient
 * within the limits. Throws a 400 naming `subject` or `body`.
 */
export async function checkTemplate(source: TemplateSource, limits: TemplateLimits): Promise<void> {
  const result = await checkTemplateSource(source, limits, SAMPLE_SCOPE);
  if (!result.ok) throw fieldError(result.field, result.message);
}
