/** Further commands contributed by domains (seeding, benchmarks' helpers). */
import type { Command } from 'commander';
import { registerSecretsCommand } from '../secrets/command.ts';
import { registerSeedCommand } from '../seed/command.ts';

export function registerExtraCommands(program: Command): void {
  registerSeedCommand(program);
  registerSecretsCommand(program);
}
