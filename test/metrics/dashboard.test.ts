import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { createMetricsRegistry } from '../../src/metrics/registry.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { exportedNames, parseExposition } from './exposition.ts';

const DASHBOARD = new URL('../../ops/grafana/sluice.json', import.meta.url);

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly { readonly expr?: string }[];
}

describe('ops/grafana/sluice.json', () => {
  test('every metric its queries use is exported by /metrics, and every sluice_ metric has a panel', async () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: { name: string; type: string }[] } };
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'), 'a data source variable, so it imports anywhere');
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      assert.equal(panel.datasource?.uid, '${datasource}', panel.title);
      assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has queries`);
      for (const target of panel.targets) {
        assert.ok(target.expr, `${panel.title}: a PromQL expression`);
        for (const name of target.expr.match(/\b(?:sluice|nodejs|process)_[a-z0-9_]+/g) ?? []) used.add(name);
      }
    }

    const database = await createTestDatabase();
    const exposition = parseExposition(await createMetricsRegistry({ db: database.db, pools: { api: database.pool } }).metrics());
    const exported = exportedNames(exposition);
    const missing = [...used].filter((name) => !exported.has(name));
    assert.deepEqual(missing, [], 'names the dashboard queries that /metrics does not export');
    const unused = [...exposition.types.keys()].filter((name) => name.startsWith('sluice_') && ![...used].some((u) => u === name || u.startsWith(`${name}_`)));
    assert.deepEqual(unused, [], 'sluice_ metrics without a panel');
    for (const wanted of ['sluice_http_request_duration_seconds_bucket', 'sluice_db_pool_waiting_requests', 'nodejs_eventloop_lag_p99_seconds']) assert.ok(used.has(wanted), wanted);
  });
});
