/**
 * The leads page in a real browser: a filter built with the builder counts what /data/search/
 * counts for the same query; the JSON editor round-trips, keeping what the builder cannot show; a
 * Smart View saves, reopens, renames and deletes; sorting and paging walk the table.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { cspViolations, screenshotBoth, seriousViolations, signIn, startConsole, until, type ConsoleServer } from './helpers/console.ts';

const LEAD_OBJECT_TYPE = { type: 'object_type', object_type: 'lead' };

describe('console: leads page', () => {
  let s: ConsoleServer;
  let qualified: { id: string; label: string };
  let tier: string;
  let owner: string;
  let score: string;

  before(async () => {
    s = await startConsole();
    const { call } = s.t;
    const statuses = (await call('GET', '/api/v1/status/lead/')).body.data as { id: string; label: string }[];
    qualified = statuses.find((x) => x.label === 'Qualified')!;
    const cf = await call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Tier', type: 'choices', choices: ['Gold', 'Silver', 'Bronze'] } });
    assert.equal(cf.status, 200, cf.text);
    tier = cf.body.id;
    owner = (await call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Owner', type: 'user' } })).body.id;
    score = (await call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Score', type: 'number' } })).body.id;
    // 45 leads: every third Qualified, tiers cycling; contacts with titles for the contact filter.
    for (let i = 0; i < 45; i++) {
      const res = await call('POST', '/api/v1/lead/', {
        body: {
          name: `Acme ${String(i).padStart(2, '0')}`,
          status_id: i % 3 === 0 ? qualified.id : statuses[0]!.id,
          [`custom.${tier}`]: ['Gold', 'Silver', 'Bronze'][i % 3 === 0 ? (i / 3) % 3 : i % 3]!,
          ...(i % 5 === 0 ? { [`custom.${owner}`]: s.t.orgA.user_id } : {}),
          [`custom.${score}`]: (i * 37) % 101,
          contacts: [{ name: `Person ${i}`, title: i % 2 === 0 ? 'CEO' : 'Engineer', emails: [{ email: `p${i}@acme${i}.example`, type: 'office' }] }],
        },
      });
      assert.equal(res.status, 200, res.text);
    }
    // The neighbour organization's leads match the same filters and must never be counted.
    await call('POST', '/api/v1/lead/', { key: s.t.orgB.api_key, body: { name: 'Acme B', contacts: [{ name: 'B', title: 'CEO' }] } });
  });

  async function apiCount(query: unknown): Promise<number> {
    const res = await s.t.call('POST', '/api/v1/data/search/', { body: { query, include_counts: true, _limit: 1 } });
    assert.equal(res.status, 200, res.text);
    return res.body.count.total;
  }

  const countText = (page: Page) => page.getByTestId('lead-count');
  async function waitCount(page: Page, n: number) {
    await until(async () => (await countText(page).textContent())?.startsWith(`${n} lead`), `count ${n}`);
  }

  test('a filter built with the builder (status, custom field, negated contact group) counts what /data/search/ counts', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await waitCount(page, 45);
    assert.deepEqual(await seriousViolations(page), []);

    // Status is Qualified
    await page.getByRole('button', { name: 'Add condition' }).click();
    const first = page.getByTestId('condition').nth(0);
    await first.getByLabel('Field').selectOption({ label: 'Status' });
    await first.getByLabel('Qualified').check();
    // Tier is Gold or Silver
    await page.getByRole('button', { name: 'Add condition' }).first().click();
    const second = page.getByTestId('condition').nth(1);
    await second.getByLabel('Field').selectOption({ label: 'Tier' });
    await second.getByLabel('Condition').selectOption({ label: 'is one of' });
    await second.getByLabel('Gold').check();
    await second.getByLabel('Silver').check();
    // Not any of: contact title "CEO"
    await page.getByRole('button', { name: 'Add group' }).last().click();
    const group = page.locator('fieldset.filter-group fieldset.filter-group').first();
    await group.getByLabel('Not (exclude what this group matches)').check();
    const inGroup = group.getByTestId('condition').first();
    await inGroup.getByLabel('Field').selectOption({ label: 'Contact title' });
    await inGroup.getByLabel('Match').selectOption({ label: 'whole words' });
    await inGroup.getByLabel('Text').fill('CEO');

    const expectedQuery = {
      type: 'and',
      queries: [
        LEAD_OBJECT_TYPE,
        { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'status_id' }, condition: { type: 'reference', reference_type: 'status.lead', object_ids: [qualified.id] } },
        { type: 'field_condition', field: { type: 'custom_field', custom_field_id: tier }, condition: { type: 'term', values: ['Gold', 'Silver'] } },
        {
          type: 'or',
          queries: [
            {
              type: 'has_related',
              this_object_type: 'lead',
              related_object_type: 'contact',
              related_query: { type: 'field_condition', field: { type: 'regular_field', object_type: 'contact', field_name: 'title' }, condition: { type: 'text', mode: 'full_words', value: 'CEO' } },
            },
          ],
          negate: true,
        },
      ],
    };
    const expected = await apiCount(expectedQuery);
    assert.ok(expected > 0 && expected < 15, `a selective filter (${expected})`);
    await waitCount(page, expected);
    // The JSON editor shows exactly that query.
    await page.getByText('Filter as JSON (s_query)').click();
    const json = JSON.parse(await page.getByLabel('s_query JSON').inputValue());
    assert.deepEqual(json.query, expectedQuery);
    assert.equal(await page.locator('tbody tr').count(), expected);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'leads-filter');
    await context.close();
  });

  test('a contact email condition (lead → contact → contact_email) counts what the API counts', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await page.getByRole('button', { name: 'Add condition' }).click();
    const leaf = page.getByTestId('condition').nth(0);
    await leaf.getByLabel('Field').selectOption({ label: 'Contact email' });
    await leaf.getByLabel('Match').selectOption({ label: 'exactly' });
    await leaf.getByLabel('Text').fill('p7@acme7.example');
    await waitCount(page, 1);
    await page.getByText('Filter as JSON (s_query)').click();
    const { query } = JSON.parse(await page.getByLabel('s_query JSON').inputValue());
    assert.equal(await apiCount(query), 1);
    assert.equal(query.queries[1].related_object_type, 'contact');
    assert.equal(query.queries[1].related_query.related_object_type, 'contact_email');
    await context.close();
  });

  test('date conditions (relative and absolute) and a number range count what the API counts', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await page.getByRole('button', { name: 'Add condition' }).click();
    const leaf = page.getByTestId('condition').nth(0);
    await leaf.getByLabel('Field').selectOption({ label: 'Date created' });
    const from = leaf.locator('fieldset', { hasText: 'From (on or after)' });
    await from.getByLabel('Kind').selectOption('relative');
    await from.getByLabel('Amount').fill('2');
    await from.getByLabel('Unit').selectOption('days');
    await waitCount(page, 45);
    const until_ = leaf.locator('fieldset', { hasText: 'Until (before)' });
    await until_.getByLabel('Kind').selectOption('date');
    await until_.getByLabel('Date').fill('2001-01-01');
    await waitCount(page, 0);
    await page.getByRole('button', { name: 'Add condition' }).click();
    const second = page.getByTestId('condition').nth(1);
    await second.getByLabel('Field').selectOption({ label: 'Number of contacts' });
    await second.getByLabel('At least').fill('1');
    await leaf.getByRole('button', { name: 'Remove' }).click();
    await waitCount(page, 45);
    await page.getByText('Filter as JSON (s_query)').click();
    const { query } = JSON.parse(await page.getByLabel('s_query JSON').inputValue());
    assert.equal(await apiCount(query), 45);
    // The first condition is gone: the number condition is the only one now.
    await page.getByTestId('condition').nth(0).getByLabel('At least').fill('2');
    await waitCount(page, 0);
    await context.close();
  });

  test('a user field: one of the chosen users, and "is me", count the leads it holds', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await page.getByRole('button', { name: 'Add condition' }).click();
    const leaf = page.getByTestId('condition').nth(0);
    await leaf.getByLabel('Field').selectOption({ label: 'Owner' });
    await leaf.getByLabel('Alice', { exact: false }).check();
    await waitCount(page, 9);
    await leaf.getByLabel('Condition').selectOption({ label: 'is me' });
    await waitCount(page, 9);
    await leaf.getByLabel('Condition').selectOption({ label: 'has a value' });
    await leaf.getByLabel('Not', { exact: true }).check();
    await waitCount(page, 36);
    await context.close();
  });

  test('the JSON editor round-trips: a clause the builder cannot show stays JSON and still filters', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    const some = (await s.t.call('GET', '/api/v1/lead/?_limit=2')).body.data as { id: string }[];
    const query = {
      type: 'and',
      queries: [
        LEAD_OBJECT_TYPE,
        { type: 'or', queries: some.map((l) => ({ type: 'id', value: l.id })) },
        { type: 'text', mode: 'beginning_of_words', value: 'Acme' },
      ],
    };
    await page.getByText('Filter as JSON (s_query)').click();
    await page.getByLabel('s_query JSON').fill(JSON.stringify({ query, sort: [] }));
    await page.getByRole('button', { name: 'Apply JSON' }).click();
    await waitCount(page, 2);
    assert.equal(await page.getByTestId('raw-clause').count(), 2);
    assert.equal(await page.getByTestId('condition').count(), 1);
    // Back out through the builder: unchanged.
    const shown = JSON.parse(await page.getByLabel('s_query JSON').inputValue());
    assert.deepEqual(shown.query, query);
    await context.close();
  });

  test('a Smart View saves the filter and sort, reopens in a new tab, renames and deletes', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await page.getByRole('button', { name: 'Add condition' }).click();
    const leaf = page.getByTestId('condition').nth(0);
    await leaf.getByLabel('Field').selectOption({ label: 'Tier' });
    await leaf.getByLabel('Bronze').check();
    const bronze = await apiCount({ type: 'and', queries: [LEAD_OBJECT_TYPE, { type: 'field_condition', field: { type: 'custom_field', custom_field_id: tier }, condition: { type: 'term', values: ['Bronze'] } }] });
    await waitCount(page, bronze);
    await page.getByRole('button', { name: 'Name' }).click(); // sort by name, ascending
    await page.getByRole('button', { name: /Name ▲/ }).click(); // descending
    await page.locator('th[aria-sort="descending"]').waitFor();
    await page.getByLabel('New Smart View name').fill('Bronze tier');
    await page.getByRole('button', { name: 'Save filter as Smart View' }).click();
    await page.getByText('Saved Smart View “Bronze tier”.').waitFor();
    const saved = (await s.t.call('GET', '/api/v1/saved_search/')).body.data.find((v: any) => v.name === 'Bronze tier');
    assert.ok(saved);
    assert.equal(saved.s_query.sort[0].direction, 'desc');
    await context.close();

    const second = await s.newPage();
    const p2 = second.page;
    await signIn(p2, s.t.orgA.api_key);
    await waitCount(p2, 45);
    await p2.getByLabel('Smart View', { exact: true }).selectOption({ label: 'Bronze tier' });
    await p2.getByRole('button', { name: 'Open', exact: true }).click();
    await waitCount(p2, bronze);
    assert.equal(await p2.getByTestId('condition').nth(0).getByLabel('Bronze').isChecked(), true);
    await p2.locator('th[aria-sort="descending"]').waitFor();
    // Rows come sorted by name, descending.
    const names = await p2.locator('tbody tr td:first-child').allTextContents();
    assert.deepEqual(names, [...names].sort().reverse());
    await screenshotBoth(p2, 'leads-smart-view');

    await p2.getByLabel('Rename to').fill('Bronze leads');
    await p2.getByRole('button', { name: 'Rename' }).click();
    await p2.getByText('Updated Smart View “Bronze leads”.').waitFor();
    assert.equal((await s.t.call('GET', `/api/v1/saved_search/${saved.id}/`)).body.name, 'Bronze leads');
    await p2.getByRole('button', { name: 'Delete Smart View' }).click();
    await p2.getByRole('button', { name: 'Yes, delete it' }).click();
    await p2.getByText('Deleted Smart View “Bronze leads”.').waitFor();
    assert.equal((await s.t.call('GET', `/api/v1/saved_search/${saved.id}/`)).status, 404);
    await second.context.close();
  });

  test('a custom number column is shown and sorts; "save current filter into it" updates an open Smart View', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await waitCount(page, 45);
    await page.getByText('Columns', { exact: true }).click();
    await page.getByLabel('Score').check();
    await page.getByRole('button', { name: /^Score/ }).click();
    await page.locator('th[aria-sort="ascending"]', { hasText: 'Score' }).waitFor();
    await until(async () => {
      const scores = (await page.locator('tbody tr td[data-label="Score"]').allTextContents()).map(Number);
      return scores.length === 25 && scores.every((v, i) => i === 0 || scores[i - 1]! <= v) && scores[0] === 0;
    }, 'rows by score, ascending');
    await page.getByLabel('New Smart View name').fill('By score');
    await page.getByRole('button', { name: 'Save filter as Smart View' }).click();
    await page.getByText('Saved Smart View “By score”.').waitFor();
    await page.getByRole('button', { name: /^Score/ }).click(); // now descending
    await page.locator('th[aria-sort="descending"]', { hasText: 'Score' }).waitFor();
    await page.getByRole('button', { name: 'Save current filter into it' }).click();
    await page.getByText('Updated Smart View “By score”.').waitFor();
    const view = (await s.t.call('GET', '/api/v1/saved_search/')).body.data.find((v: any) => v.name === 'By score');
    assert.deepEqual(view.s_query.sort, [{ direction: 'desc', field: { type: 'custom_field', custom_field_id: score } }]);
    await context.close();
  });

  test('cursor paging walks every matching lead once', async () => {
    const { context, page } = await s.newPage(375);
    await signIn(page, s.t.orgA.api_key);
    await waitCount(page, 45);
    const seen: string[] = [];
    for (;;) {
      await until(async () => (await page.locator('tbody tr').count()) > 0, 'rows');
      seen.push(...(await page.locator('tbody tr td:first-child a').allTextContents()));
      const next = page.getByRole('button', { name: 'Next page' });
      if (await next.isDisabled()) break;
      const caption = await page.locator('caption').textContent();
      await next.click();
      await until(async () => (await page.locator('caption').textContent()) !== caption && !(await page.getByText('Updating…').isVisible()), 'next page');
    }
    assert.equal(seen.length, 45);
    assert.equal(new Set(seen).size, 45);
    await context.close();
  });

  test('no page broke the Content-Security-Policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
