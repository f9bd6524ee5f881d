/**
 * WEBHOOKS_PER_ORG_MAX bounds what one organization can make every event insert and every
 * reaper pass look at: past it, POST /webhook/ is a 400 naming `url`, and nothing is created.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { WEBHOOKS_PER_ORG_MAX } from '../../src/webhooks/schemas.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('webhook subscriptions per organization', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  });

  test(`the ${WEBHOOKS_PER_ORG_MAX + 1}th subscription is a 400 naming url; another organization is not affected`, async () => {
    const body = { url: 'http://127.0.0.1:9/hook', events: [{ object_type: 'lead', action: 'created' }], status: 'paused' };
    for (let i = 0; i < WEBHOOKS_PER_ORG_MAX; i++) {
      const res = await t.call('POST', '/api/v1/webhook/', { body });
      assert.equal(res.status, 200, res.text);
    }
    const over = await t.call('POST', '/api/v1/webhook/', { body });
    assert.equal(over.status, 400, over.text);
    assert.deepEqual(Object.keys(over.body['field-errors']), ['url']);
    assert.match(over.body['field-errors'].url, new RegExp(`at most ${WEBHOOKS_PER_ORG_MAX}`));
    const count = await t.db.selectFrom('webhooks').select((eb) => eb.fn.countAll<string>().as('n')).where('organization_id', '=', t.orgA.organization_id).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), WEBHOOKS_PER_ORG_MAX);
    const other = await t.call('POST', '/api/v1/webhook/', { key: t.orgB.api_key, body });
    assert.equal(other.status, 200, other.text);
  });
});
