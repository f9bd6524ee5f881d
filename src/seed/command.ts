/**
 * `sluice seed --org ORG_ID --leads N [--seed S]`: loads generated leads into an organization, with a
 * progress bar on stderr and a JSON summary on stdout (for scripts).
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { SeedError, seedOrganization } from './seed-organization.ts';

function parseCount(value: string): number {
  const count = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(count) || count < 0) throw new Error(`not a non-negative integer: ${value}`);
  return count;
}

/** Adds the `seed` command to the CLI. */
export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('load generated leads (contacts, emails, phones, addresses, custom fields) into an organization; prints JSON')
    .requiredOption('--org <id>', 'organization id (orga_…)')
    .requiredOption('--leads <n>', 'number of leads to generate', parseCount)
    .option('--seed <s>', 'seed of the generator: the same seed gives the same data', '1')
    .action(async (options: { org: string; leads: number; seed: string }) => {
      const config = loadConfig();
      const log = pino({ level: config.logLevel }, pino.destination(2));
      const database = await openDatabase(config, (message) => log.debug(message));
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          // Also when stderr is a log file: a line every 5 s instead of a redrawn bar.
          noTTYOutput: true,
          notTTYSchedule: 5000,
          format: 'seeding [{bar}] {percentage}% | {value}/{total} leads | {duration_formatted} elapsed, ETA {eta_formatted}' },
        cliProgress.Presets.shades_classic,
      );
      bar.start(options.leads, 0);
      let failed = false;
      try {
        const summary = await seedOrganization(database, {
          organizationId: options.org,
          leads: options.leads,
          seed: options.seed,
          onProgress: (done) => bar.update(done),
        });
        bar.stop();
        process.stdout.write(JSON.stringify(summary) + '\n');
      } catch (error) {
        bar.stop();
        if (!(error instanceof SeedError)) throw error;
        process.stderr.write(`${error.message}\n`);
        failed = true;
      } finally {
        await database.close();
      }
      // Explicitly: one-off commands end with their own code.
      if (failed) process.exit(1);
    });
}
