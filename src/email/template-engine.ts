/**
 * Liquid (liquidjs) as Close's templates use it. The subject is plain text; in the HTML body every
 * `{{ … }}` output is HTML-escaped, so a contact named `<script>` cannot inject markup. Missing
 * values render empty (Close's behaviour); `| default: "there"` gives a fallback. Templates are
 * parsed once and rendered per recipient, which is what keeps bulk rendering cheap.
 */
import { Liquid, type Template } from 'liquidjs';
import { fieldError } from '../errors.ts';

const options = { strictVariables: false, strictFilters: true, lenientIf: true, cache: false } as const;
const subjectEngine = new Liquid({ ...options });
const bodyEngine = new Liquid({ ...options, outputEscape: 'escape' });

export interface CompiledTemplate {
  readonly subject: Template[];
  readonly body: Template[];
}

/** Variables a template sees for one recipient. */
export type TemplateScope = Record<string, unknown>;

function parse(engine: Liquid, source: string, field: string): Template[] {
  try {
    return engine.parse(source);
  } catch (error) {
    throw fieldError(field, `Invalid template syntax: ${(error as Error).message}`);
  }
}

/** Parses subject and body; a part that does not parse is a 400 naming `subject` or `body`. */
export function compileTemplate(source: { subject: string; body: string }): CompiledTemplate {
  return { subject: parse(subjectEngine, source.subject, 'subject'), body: parse(bodyEngine, source.body, 'body') };
}

/** Renders a compiled template for one recipient's scope. */
export function renderCompiled(compiled: CompiledTemplate, scope: TemplateScope): { subject: string; body: string } {
  const subject = String(subjectEngine.renderSync(compiled.subject, scope)).replace(/[\r\n]+/g, ' ').trim();
  return { subject, body: String(bodyEngine.renderSync(compiled.body, scope)) };
}
