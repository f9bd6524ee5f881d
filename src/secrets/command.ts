/**
 * `sluice secrets rotate`: after setting a new SECRET_KEY and moving the old one to
 * SECRET_KEY_PREVIOUS, re-encrypts every stored secret under the new key and keeps the old
 * unsubscribe-link signing keys (encrypted) so that SECRET_KEY_PREVIOUS can then be dropped.
 * Progress bar on stderr, JSON summary on stdout; exits 1 when some value could not be read.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { retireSigningKeys } from '../unsubscribe-links/retired-keys.ts';
import { keyringFor } from './keyring.ts';
import { countSecretsToRotate, rotateSecrets } from './rotate-secrets.ts';

/** Adds the `secrets` commands to the CLI. */
export function registerSecretsCommand(program: Command): void {
  const secrets = program.command('secrets').description('stored secrets (SMTP passwords) and the keys encrypting them');
  secrets
    .command('rotate')
    .description('re-encrypt every stored secret under SECRET_KEY, reading old ones with SECRET_KEY_PREVIOUS; prints JSON')
    .action(async () => {
      const config = loadConfig();
      const log = pino({ level: config.logLevel }, pino.destination(2));
      const database = await openDatabase(config, (message) => log.debug(message));
      const keyring = keyringFor(config);
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          format: 'rotating [{bar}] {percentage}% | {value}/{total} secrets | {duration_formatted} elapsed',
        },
        cliProgress.Presets.shades_classic,
      );
      let retired: number;
      let result: Awaited<ReturnType<typeof rotateSecrets>>;
      try {
        retired = await retireSigningKeys(database.db, keyring);
        bar.start(await countSecretsToRotate(database.db, keyring), 0);
        result = await rotateSecrets(database.db, keyring, (done) => bar.update(done));
      } finally {
        bar.stop();
        await database.close();
      }
      for (const failure of result.failed) process.stderr.write(`${failure.table} ${failure.key}: ${failure.reason}\n`);
      process.stdout.write(
        JSON.stringify({ key_id: keyring.current.id, reencrypted: result.reencrypted, failed: result.failed.length, retired_signing_keys: retired }) + '\n',
      );
      // A one-off command ends here, with its own code.
      process.exit(result.failed.length > 0 ? 1 : 0);
    });
}
