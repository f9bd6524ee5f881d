/**
 * A sequence scheduler in its own process, for the crash test: runs due steps against
 * SEQ_CHILD_DATABASE_URL until killed, holding each step's transaction open for
 * SEQ_CHILD_STEP_MS before it commits (batches of SEQ_CHILD_BATCH subscriptions), so a SIGKILL
 * lands inside a batch as often as between batches.
 */
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/db/database.ts';
import { runSchedulerOnce } from '../../src/sequences/scheduler.ts';
import { systemClock } from '../../src/time.ts';

const url = process.env.SEQ_CHILD_DATABASE_URL;
if (!url) throw new Error('SEQ_CHILD_DATABASE_URL is required');
const stepMs = Number(process.env.SEQ_CHILD_STEP_MS ?? '20');
const batchSize = Number(process.env.SEQ_CHILD_BATCH ?? '4');
const handles = connect(url, 2);
const config = loadConfig({ ...process.env, DATA_DIR: '/tmp/sluice-test-data' });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

process.stdout.write('ready\n');
for (;;) {
  const handled = await runSchedulerOnce(
    { db: handles.db, config, clock: systemClock },
    {
      limit: 10,
      batchSize,
      beforeCommit: async (results) => {
        // Announced before the commit: the parent compares these with the committed steps.
        for (const [id, result] of results) if (result === 'sent' || result === 'skipped') process.stdout.write(`pending ${id}\n`);
        await pause(stepMs);
      },
    },
  );
  if (handled === 0) await pause(50);
}
