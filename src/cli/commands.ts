/** Further commands contributed by domains (seeding, benchmarks' helpers). */
import type { Command } from 'commander';

export function registerExtraCommands(program: Command): void {
  void program;
}
