/**
 * Collects the parameters of one compiled statement. Every user value becomes a `$n` parameter; the
 * SQL text holds only identifiers from the allow-lists in `fields.ts`/`related.ts`, generated aliases
 * and operators. `$1` is always the organization id, so every table reference can be confined to it.
 */
import { LIMITS } from './json-input.ts';

/** Thrown when a statement would need more than `LIMITS.parameters` bind parameters. */
export class ParameterLimitError extends Error {}

export class SqlBuilder {
  readonly values: unknown[];
  private aliases = 0;

  constructor(organizationId: string) {
    this.values = [organizationId];
  }

  /** The placeholder of the caller's organization id. */
  get org(): string {
    return '$1';
  }

  /** Adds `value` as a parameter and returns its placeholder. */
  param(value: unknown): string {
    // Checked as parameters are added, so an oversized query fails before its SQL text is built.
    if (this.values.length >= LIMITS.parameters) throw new ParameterLimitError(`more than ${LIMITS.parameters} parameters`);
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A table alias unique within the statement. */
  alias(prefix: string): string {
    this.aliases += 1;
    return `${prefix}${this.aliases}`;
  }
}
