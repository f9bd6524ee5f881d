/**
 * Collects the parameters of one compiled statement. Every user value becomes a `$n` parameter; the
 * SQL text holds only identifiers from the allow-lists in `fields.ts`/`related.ts`, generated aliases
 * and operators. `$1` is always the organization id, so every table reference can be confined to it.
 */
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
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A table alias unique within the statement. */
  alias(prefix: string): string {
    this.aliases += 1;
    return `${prefix}${this.aliases}`;
  }
}
