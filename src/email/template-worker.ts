/**
 * The worker-thread side of template-pool.ts: parses (cached by source) and renders templates with
 * liquid-engine.ts. Everything it receives and returns is plain data (structured clone).
 */
import { createHash } from 'node:crypto';
import { FieldTemplateError, parseTemplate, renderParsed, TemplateError, type ParsedTemplate, type TemplateLimits } from './liquid-engine.ts';

export interface TemplateSource {
  readonly subject: string;
  readonly body: string;
}

export type TemplateTask =
  | { readonly kind: 'check'; readonly source: TemplateSource; readonly limits: TemplateLimits; readonly sample: Record<string, unknown> }
  | { readonly kind: 'render'; readonly source: TemplateSource; readonly limits: TemplateLimits; readonly scopes: readonly Record<string, unknown>[] };

/** One recipient's result: the email, or why it could not be rendered. */
export type RenderResult =
  | { readonly ok: true; readonly subject: string; readonly body: string }
  | { readonly ok: false; readonly message: string; readonly limit: boolean };

export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly field: 'subject' | 'body'; readonly message: string };

// Bulk batches render one template thousands of times: parse it once per thread.
const cache = new Map<string, ParsedTemplate>();
const CACHE_ENTRIES = 32;

function parsedOf(source: TemplateSource, limits: TemplateLimits): ParsedTemplate {
  const key = createHash('sha256').update(source.subject).update('\u0000').update(source.body).update(String(limits.maxSourceChars)).digest('base64');
  let parsed = cache.get(key);
  if (!parsed) {
    parsed = parseTemplate(source, limits);
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, parsed);
  }
  return parsed;
}

function check(source: TemplateSource, limits: TemplateLimits, sample: Record<string, unknown>): CheckResult {
  let parsed: ParsedTemplate;
  try {
    parsed = parsedOf(source, limits);
  } catch (error) {
    if (error instanceof FieldTemplateError) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
  // A trial render with sample values: a template whose cost breaks a limit whatever the recipient
  // (nested loops over literal ranges, doubling appends) is refused now, not halfway through a bulk
  // email. Other runtime errors may depend on real values, so only limits count here.
  for (const field of ['subject', 'body'] as const) {
    try {
      renderParsed(field === 'subject' ? { subject: parsed.subject, body: [] } : parsed, sample, limits);
    } catch (error) {
      if (error instanceof TemplateError && error.limit) return { ok: false, field, message: error.message };
    }
  }
  return { ok: true };
}

function render(source: TemplateSource, limits: TemplateLimits, scopes: readonly Record<string, unknown>[]): RenderResult[] {
  let parsed: ParsedTemplate;
  try {
    parsed = parsedOf(source, limits);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return scopes.map(() => ({ ok: false, message, limit: error instanceof TemplateError && error.limit }));
  }
  return scopes.map((scope): RenderResult => {
    try {
      return { ok: true, ...renderParsed(parsed, scope, limits) };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error), limit: error instanceof TemplateError && error.limit };
    }
  });
}

/** Piscina's entry point. */
export default function run(task: TemplateTask): CheckResult | RenderResult[] {
  return task.kind === 'check' ? check(task.source, task.limits, task.sample) : render(task.source, task.limits, task.scopes);
}
