/**
 * Liquid (liquidjs) as Sluice runs it: tenants write templates, so a template is hostile input.
 * - No file system. `include`, `render` and `layout` are refused when the template is parsed, and
 *   the engine's template lookup is an empty in-memory map besides, so nothing on disk (the data
 *   directory, another tenant's mail, the server's sources) can ever be read by rendering.
 * - Bounded cost: the source is capped at parse time, each render by time (liquidjs checks its
 *   clock between nodes) and by the memory its filters allocate, and the output by size.
 * This module does the work; template-pool.ts runs it on worker threads so that even a render that
 * uses its whole time budget never holds the API's event loop.
 *
 * The subject is plain text; in the HTML body every `{{ … }}` output is HTML-escaped, so a contact
 * named `<script>` cannot inject markup. Missing values render empty (Close's behaviour);
 * `| default: "there"` gives a fallback.
 */
import { Liquid, Tag, type Template, type TagToken, type TopLevelToken } from 'liquidjs';

export interface TemplateLimits {
  /** Largest subject + body (characters): TEMPLATE_MAX_CHARS. */
  readonly maxSourceChars: number;
  /** Longest one render may take (milliseconds): TEMPLATE_RENDER_MS. */
  readonly renderMs: number;
  /** Largest rendered subject + body (characters): TEMPLATE_MAX_OUTPUT_CHARS. */
  readonly maxOutputChars: number;
}

/** A refusal that names the limit or rule a template broke. */
export class TemplateError extends Error {
  constructor(
    message: string,
    /** Whether the template broke a cost limit (as opposed to a syntax or runtime error). */
    readonly limit: boolean,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Tags that would read other templates, which for Liquid means files. */
const FILE_TAGS = ['include', 'render', 'layout'] as const;

function refusedTag(name: string) {
  return class extends Tag {
    constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
      super(token, remainTokens, liquid);
      throw new TemplateError(`The "${name}" tag is not supported: templates cannot include other templates or files.`, false);
    }
    *render(): Generator<unknown, void, unknown> {}
  };
}

function createEngine(escapeOutput: boolean): Liquid {
  const engine = new Liquid({
    strictVariables: false,
    strictFilters: true,
    lenientIf: true,
    cache: false,
    // An empty in-memory map instead of the file system: lookups find nothing, on disk or anywhere.
    templates: {},
    relativeReference: false,
    ...(escapeOutput ? { outputEscape: 'escape' as const } : {}),
  });
  for (const name of FILE_TAGS) engine.registerTag(name, refusedTag(name));
  return engine;
}

const subjectEngine = createEngine(false);
const bodyEngine = createEngine(true);

export interface ParsedTemplate {
  readonly subject: Template[];
  readonly body: Template[];
}

/** The limit a liquidjs error reports, named by the setting that tunes it. */
function describeLimit(error: unknown, limits: TemplateLimits): TemplateError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('template render limit exceeded')) {
    return new TemplateError(`Rendering took longer than TEMPLATE_RENDER_MS (${limits.renderMs} ms).`, true);
  }
  if (message.includes('memory alloc limit exceeded')) {
    return new TemplateError(`Rendering built more text than TEMPLATE_MAX_OUTPUT_CHARS allows (${limits.maxOutputChars} characters).`, true);
  }
  return undefined;
}

function parsePart(engine: Liquid, source: string, field: 'subject' | 'body', limits: TemplateLimits): Template[] {
  try {
    return engine.parse(source);
  } catch (error) {
    const known = error instanceof TemplateError ? error : describeLimit(error, limits);
    const cause = (error as { originalError?: unknown }).originalError;
    if (cause instanceof TemplateError) throw new FieldTemplateError(field, cause);
    if (known) throw new FieldTemplateError(field, known);
    throw new FieldTemplateError(field, new TemplateError(`Invalid template syntax: ${(error as Error).message}`, false));
  }
}

/** A TemplateError tied to the part of the template (`subject` or `body`) it is about. */
export class FieldTemplateError extends TemplateError {
  constructor(
    readonly field: 'subject' | 'body',
    error: TemplateError,
  ) {
    super(error.message, error.limit);
  }
}

/** Parses subject and body, refusing file tags and sources over `limits.maxSourceChars`. */
export function parseTemplate(source: { subject: string; body: string }, limits: TemplateLimits): ParsedTemplate {
  if (source.subject.length + source.body.length > limits.maxSourceChars) {
    const field = source.body.length >= source.subject.length ? 'body' : 'subject';
    throw new FieldTemplateError(field, new TemplateError(`The template is longer than TEMPLATE_MAX_CHARS (${limits.maxSourceChars} characters).`, true));
  }
  return {
    subject: parsePart(subjectEngine, source.subject, 'subject', limits),
    body: parsePart(bodyEngine, source.body, 'body', limits),
  };
}

/** Renders a parsed template for one recipient's variables, within `limits`. */
export function renderParsed(parsed: ParsedTemplate, scope: Record<string, unknown>, limits: TemplateLimits): { subject: string; body: string } {
  const options = { renderLimit: limits.renderMs, memoryLimit: limits.maxOutputChars };
  let subject: string;
  let body: string;
  try {
    subject = String(subjectEngine.renderSync(parsed.subject, scope, options));
    body = String(bodyEngine.renderSync(parsed.body, scope, options));
  } catch (error) {
    throw describeLimit(error, limits) ?? new TemplateError(`The template could not be rendered: ${(error as Error).message}`, false);
  }
  if (subject.length + body.length > limits.maxOutputChars) {
    throw new TemplateError(`The rendered email is longer than TEMPLATE_MAX_OUTPUT_CHARS (${limits.maxOutputChars} characters).`, true);
  }
  return { subject: oneLine(subject), body };
}

/** A subject is one line: line breaks become single spaces, ends trimmed (a linear scan). */
function oneLine(text: string): string {
  let out = '';
  let inBreak = false;
  for (const char of text) {
    if (char === '\r' || char === '\n') {
      if (!inBreak) out += ' ';
      inBreak = true;
    } else {
      out += char;
      inBreak = false;
    }
  }
  return out.trim();
}
