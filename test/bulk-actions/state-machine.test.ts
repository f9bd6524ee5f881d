import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTransition, resumableUntil } from '../../src/bulk-actions/state-machine.ts';
import { SluiceError } from '../../src/errors.ts';

const ALL = ['created', 'loading', 'processing', 'paused', 'resuming', 'done', 'error', 'cancelled'] as const;
const now = new Date('2026-03-10T00:00:00Z');
const rules = { now, resumeWindowSeconds: 604_800 };

function allowed(from: (typeof ALL)[number], to: string, by: 'api' | 'runner', datePaused: Date | null = new Date('2026-03-09T00:00:00Z')): boolean {
  try {
    checkTransition({ status: from, date_paused: datePaused }, to, by, rules);
    return true;
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.status, 400);
    assert.deepEqual(Object.keys(error.fieldErrors), ['status']);
    return false;
  }
}

describe('state machine (pure rules)', () => {
  test('the runner moves actions only along the lifecycle', () => {
    const runner: Record<string, readonly string[]> = {
      loading: ['created', 'resuming'],
      processing: ['loading', 'resuming'],
      done: ['processing'],
      error: ['created', 'loading', 'processing', 'resuming'],
    };
    for (const from of ALL) {
      for (const to of [...ALL, 'bogus']) {
        assert.equal(allowed(from, to, 'runner'), runner[to]?.includes(from) ?? false, `runner ${from} -> ${to}`);
      }
    }
  });

  test('the API can only pause, resume and cancel', () => {
    const api: Record<string, readonly string[]> = {
      paused: ['created', 'loading', 'processing', 'resuming'],
      resuming: ['paused'],
      cancelled: ['created', 'loading', 'processing', 'paused', 'resuming'],
    };
    for (const from of ALL) {
      for (const to of [...ALL, 'bogus']) {
        assert.equal(allowed(from, to, 'api'), api[to]?.includes(from) ?? false, `api ${from} -> ${to}`);
      }
    }
  });

  test('resume is refused at and after the end of the window, and without date_paused', () => {
    const window = 604_800_000;
    assert.equal(allowed('paused', 'resuming', 'api', new Date(now.getTime() - window + 1)), true);
    assert.equal(allowed('paused', 'resuming', 'api', new Date(now.getTime() - window)), false);
    assert.equal(allowed('paused', 'resuming', 'api', null), false);
    assert.equal(resumableUntil(new Date('2026-03-01T00:00:00Z'), 604_800).toISOString(), '2026-03-08T00:00:00.000Z');
  });
});
