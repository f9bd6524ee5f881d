/**
 * The `sluice` command line. Commands that create things print JSON on stdout, for scripts.
 */
import { Command, Option } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createApiKey, operatorKeyProblem } from '../auth/api-keys.ts';
import { openDatabase, type OpenDatabase } from '../db/database.ts';
import { createOrganization } from '../orgs/create-organization.ts';
import { serve, type Role } from '../serve.ts';
import { registerExtraCommands } from './commands.ts';

/** Opens the configured database for a one-off command, runs `fn`, and closes it. */
export async function withDatabase<T>(fn: (database: OpenDatabase) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = pino({ level: config.logLevel }, pino.destination(2));
  const database = await openDatabase(config, (message) => log.debug(message));
  try {
    return await fn(database);
  } finally {
    await database.close();
    // One-off commands end here, with their own code (and whatever library keeps a handle open).
    process.exit(process.exitCode ?? 0);
  }
}

const program = new Command('sluice').description('A Close-compatible CRM API server with bulk actions.');

program
  .command('serve', { isDefault: true })
  .description('serve the API and run the background workers')
  .addOption(new Option('--role <role>', 'api, worker, or all').choices(['all', 'api', 'worker']).default('all'))
  .action(async (options: { role: Role }) => serve(options.role));

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(() => withDatabase(async () => {}));

const org = program.command('org').description('organizations');
org
  .command('create')
  .description('create an organization with a user and an API key; prints JSON')
  .requiredOption('--name <name>', 'organization name')
  .requiredOption('--user-email <email>', "the first user's email")
  .option('--api-key <key>', 'use this API key instead of a random one')
  .action((options: { name: string; userEmail: string; apiKey?: string }) => {
    const problem = options.apiKey === undefined ? undefined : operatorKeyProblem(options.apiKey);
    if (problem) {
      process.stderr.write(`--api-key ${problem}\n`);
      process.exitCode = 1;
      return;
    }
    return withDatabase(async ({ db }) => {
      const created = await createOrganization(db, options);
      process.stdout.write(JSON.stringify(created) + '\n');
    });
  });

const apikey = program.command('apikey').description('API keys');
apikey
  .command('create')
  .description("create an API key for an organization's first user; prints JSON")
  .requiredOption('--org <id>', 'organization id (orga_…)')
  .option('--user <id>', 'user id (default: the first user of the organization)')
  .action((options: { org: string; user?: string }) =>
    withDatabase(async ({ db }) => {
      const user = await db
        .selectFrom('users')
        .select('id')
        .where('organization_id', '=', options.org)
        .$if(options.user !== undefined, (q) => q.where('id', '=', options.user!))
        .orderBy('date_created')
        .limit(1)
        .executeTakeFirst();
      if (!user) {
        process.stderr.write(`no such organization or user: ${options.org}\n`);
        process.exitCode = 1;
        return;
      }
      const key = await createApiKey(db, options.org, user.id);
      process.stdout.write(JSON.stringify({ organization_id: options.org, user_id: user.id, api_key: key.key }) + '\n');
    }),
  );

registerExtraCommands(program);
await program.parseAsync(process.argv);
