import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTemplateSource } from '../../src/email/template-pool.ts';

const limits = { maxSourceChars: 1_000_000, renderMs: 500, maxOutputChars: 2_000_000 };
// Busy but within the limit: tens of milliseconds per render (a quarter of TEMPLATE_RENDER_MS or more
// on a loaded two-core machine when it was four times this, which failed the calibration itself).
const BUSY = { subject: 'Busy', body: '{% for i in (1..60) %}{% for j in (1..60) %}{% if i == j %}.{% endif %}{% endfor %}{% endfor %}{{ n }}' };
const QUICK = { subject: 'Hi {{ name }}', body: '<p>Hello {{ name }}</p>' };

test('a backlog of slow background renders neither fails them nor another tenant’s interactive render', async () => {
  // Calibrate: how long one busy render takes here (the first call also starts the threads).
  await renderTemplateSource(QUICK, limits, [{ name: 'warm' }]);
  const started = performance.now();
  const probes = await renderTemplateSource(BUSY, limits, Array.from({ length: 5 }, (_, n) => ({ n })));
  assert.ok(probes.every((p) => p.ok), JSON.stringify(probes));
  const perRender = Math.max(5, (performance.now() - started) / probes.length);
  // About eight seconds of work queued at once: longer than any one task's own deadline allows
  // (2 × 500 + 50 + 2,000 ms for a single render), so a deadline counted from queueing would fail
  // what waited.
  const count = Math.min(2_000, Math.ceil(8_000 / perRender));
  const backlog = renderTemplateSource(BUSY, limits, Array.from({ length: count }, (_, n) => ({ n })), 'background');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const asked = performance.now();
  const [quick] = await renderTemplateSource(QUICK, limits, [{ name: 'Ann' }], 'interactive');
  const waited = performance.now() - asked;
  assert.deepEqual(quick, { ok: true, subject: 'Hi Ann', body: '<p>Hello Ann</p>' });
  const results = await backlog;
  const total = performance.now() - asked;
  console.log(`${count} busy renders of ${perRender.toFixed(0)} ms: all done in ${total.toFixed(0)} ms; the interactive render waited ${waited.toFixed(0)} ms`);
  // It waits for the chunk running when it came (chunks are sized to ~50 ms, the first two renders).
  assert.ok(waited < Math.max(1_000, 4 * perRender), `the interactive render waited ${waited.toFixed(0)} ms behind the backlog`);
  assert.equal(results.length, count);
  assert.deepEqual(results.filter((r) => !r.ok), [], 'no background render failed for having waited');
  assert.ok(results.every((r, n) => r.ok && r.body.endsWith(String(n))), 'results in order');
});
