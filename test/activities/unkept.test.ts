import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UNKEPT_ACTIVITY_TYPES } from '../../src/activities/unkept-activity-routes.ts';
import { createTestApp } from '../helpers/app.ts';

test('activity types Sluice keeps none of list empty (as Close’s scripts expect) and are 404 by id', async () => {
  const t = await createTestApp();
  const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Acme' } });
  for (const type of UNKEPT_ACTIVITY_TYPES) {
    const list = await t.call('GET', `/api/v1/activity/${type}/?lead_id=${lead.body.id}&_fields=id&_skip=0`);
    assert.equal(list.status, 200, `${type}: ${list.text}`);
    assert.deepEqual(list.body, { data: [], has_more: false });
    assert.equal((await t.call('GET', `/api/v1/activity/${type}/acti_x/`)).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/activity/${type}/acti_x/`)).status, 404);
    assert.equal((await t.call('GET', `/api/v1/activity/${type}/`, { key: null })).status, 401);
  }
});
