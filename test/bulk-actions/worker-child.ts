/**
 * A bulk-action worker in its own process, for the crash and multi-process tests:
 * `node --import tsx test/bulk-actions/worker-child.ts` with DATABASE_URL set to the test database
 * and the BULK_* variables. It prints `ready` once listening, and one JSON line per claim.
 *
 * With CHILD_COMMIT_DELAY_MS set, every COMMIT is announced on stdout (`commit-pending`) and held
 * back that long, then announced again (`committed`), so that the parent can SIGKILL the process
 * at a chosen point inside or right after a transaction. With CHILD_COMMIT_HANDSHAKE=1 the hold
 * lasts until the parent writes a line to stdin instead (test/helpers/hold-commits.ts).
 */
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/db/database.ts';
import { createBulkActionWorker } from '../../src/bulk-actions/worker.ts';
import { systemClock } from '../../src/time.ts';
import { holdCommits } from '../helpers/hold-commits.ts';

const connectionString = process.env.DATABASE_URL!;
const commitDelay = Number(process.env.CHILD_COMMIT_DELAY_MS ?? 0);
const handshake = process.env.CHILD_COMMIT_HANDSHAKE === '1';
const handles = connect(connectionString, 6);
const say = (line: string) => process.stdout.write(`${line}\n`);
if (commitDelay > 0 || handshake) holdCommits(handles.pool, { handshake, delayMs: commitDelay });

const log = pino({ level: 'info' }, { write: (line: string) => {
  const entry = JSON.parse(line);
  if (entry.msg === 'claimed bulk action') say(JSON.stringify({ claimed: entry.bulk_action_id }));
} });

const worker = createBulkActionWorker(
  { db: handles.db, pool: handles.pool, config: loadConfig(process.env), clock: systemClock, log, connectionString },
  { workerId: process.env.CHILD_WORKER_ID, pollMs: 200, concurrency: Number(process.env.CHILD_CONCURRENCY ?? 2) },
);
await worker.start();
say('ready');
process.on('SIGTERM', () => {
  void worker.stop().then(() => handles.end()).then(() => process.exit(0));
});
