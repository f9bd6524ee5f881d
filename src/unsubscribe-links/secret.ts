/**
 * The key that signs unsubscribe links: SECRET_KEY when set, else a random key generated once per
 * database and stored in `app_secrets`, so every process against one database signs alike and
 * links survive restarts.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';

const cache = new WeakMap<Db, Promise<string>>();

async function loadOrCreate(db: Db): Promise<string> {
  await db
    .insertInto('app_secrets')
    .values({ name: 'unsubscribe_key', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('app_secrets').select('value').where('name', '=', 'unsubscribe_key').executeTakeFirstOrThrow();
  return row.value;
}

/** The signing secret for unsubscribe links. */
export async function signingSecret(db: Db, config: Pick<Config, 'secretKey'>): Promise<string> {
  if (config.secretKey) return config.secretKey;
  let pending = cache.get(db);
  if (!pending) {
    pending = loadOrCreate(db);
    pending.catch(() => cache.delete(db));
    cache.set(db, pending);
  }
  return pending;
}
