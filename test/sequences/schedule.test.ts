import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidTimezone, nextSendTime, scheduleErrors, zonedTimeToUtc } from '../../src/sequences/schedule.ts';

const weekdays = (start: string, end: string) => ({ ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start, end })) });
const iso = (d: Date) => d.toISOString();

describe('sending windows', () => {
  test('no schedule, or no ranges, sends at the due time', () => {
    const due = new Date('2026-01-10T03:00:00Z');
    assert.equal(iso(nextSendTime(due, null, 'UTC')), iso(due));
    assert.equal(iso(nextSendTime(due, { ranges: [] }, 'Europe/Berlin')), iso(due));
  });

  test('a time inside a window is kept; the end minute is included', () => {
    const s = weekdays('09:00', '16:59');
    // Monday 2026-01-05, New York is UTC-5 in January.
    for (const at of ['2026-01-05T14:00:00Z', '2026-01-05T18:30:00Z', '2026-01-05T21:59:59Z']) {
      assert.equal(iso(nextSendTime(new Date(at), s, 'America/New_York')), iso(new Date(at)));
    }
  });

  test('before the window opens the same day, the step waits for the start', () => {
    const due = new Date('2026-01-06T12:00:00Z'); // Tuesday 07:00 in New York
    assert.equal(iso(nextSendTime(due, weekdays('09:00', '16:59'), 'America/New_York')), '2026-01-06T14:00:00.000Z');
  });

  test('after Friday closes, the step moves across the weekend to Monday morning', () => {
    const s = weekdays('09:00', '16:59');
    for (const at of ['2026-01-09T22:00:00Z', '2026-01-10T15:00:00Z', '2026-01-11T23:00:00Z']) {
      assert.equal(iso(nextSendTime(new Date(at), s, 'America/New_York')), '2026-01-12T14:00:00.000Z', at);
    }
  });

  test('the window is read in the sequence timezone, not UTC', () => {
    // 23:30 UTC Monday is 08:30 Tuesday in Tokyo: the window opens at 09:00 Tokyo, 00:00 UTC.
    const due = new Date('2026-01-05T23:30:00Z');
    assert.equal(iso(nextSendTime(due, weekdays('09:00', '17:00'), 'Asia/Tokyo')), '2026-01-06T00:00:00.000Z');
    // The same instant in UTC is outside a 09:00 window and waits until Tuesday 09:00 UTC.
    assert.equal(iso(nextSendTime(due, weekdays('09:00', '17:00'), 'UTC')), '2026-01-06T09:00:00.000Z');
  });

  test('several ranges on one day and a single weekday schedule', () => {
    const s = { ranges: [{ weekday: 3, start: '14:00', end: '15:00' }, { weekday: 3, start: '08:00', end: '09:00' }] };
    // Wednesday 2026-01-07 10:00 UTC: between the ranges, so the afternoon one.
    assert.equal(iso(nextSendTime(new Date('2026-01-07T10:00:00Z'), s, 'UTC')), '2026-01-07T14:00:00.000Z');
    // Wednesday 16:00: next Wednesday morning.
    assert.equal(iso(nextSendTime(new Date('2026-01-07T16:00:00Z'), s, 'UTC')), '2026-01-14T08:00:00.000Z');
    // Sunday windows are weekday 7.
    const sunday = { ranges: [{ weekday: 7, start: '10:00', end: '11:00' }] };
    assert.equal(iso(nextSendTime(new Date('2026-01-05T00:00:00Z'), sunday, 'UTC')), '2026-01-11T10:00:00.000Z');
  });

  test('daylight saving: windows follow the local clock across the change', () => {
    // Berlin switches to CEST on 2026-03-29. Friday 27th 09:00 is 08:00Z; Monday 30th 09:00 is 07:00Z.
    const s = weekdays('09:00', '17:00');
    assert.equal(iso(nextSendTime(new Date('2026-03-27T17:00:00Z'), s, 'Europe/Berlin')), '2026-03-30T07:00:00.000Z');
    assert.equal(iso(nextSendTime(new Date('2026-03-27T05:00:00Z'), s, 'Europe/Berlin')), '2026-03-27T08:00:00.000Z');
  });

  test('local times in a DST gap or overlap map to a real instant', () => {
    assert.equal(iso(zonedTimeToUtc(2026, 3, 8, 2, 30, 'America/New_York')), '2026-03-08T07:30:00.000Z');
    assert.equal(iso(zonedTimeToUtc(2026, 11, 1, 1, 30, 'America/New_York')), '2026-11-01T05:30:00.000Z');
    assert.equal(iso(zonedTimeToUtc(2026, 7, 1, 9, 0, 'Asia/Kolkata')), '2026-07-01T03:30:00.000Z');
  });

  test('timezones are validated against the runtime’s IANA list', () => {
    assert.equal(isValidTimezone('America/Los_Angeles'), true);
    assert.equal(isValidTimezone('UTC'), true);
    assert.equal(isValidTimezone('Mars/Olympus_Mons'), false);
    assert.equal(isValidTimezone(''), false);
    assert.equal(isValidTimezone('+05:00'), false);
  });

  test('schedule ranges are checked field by field', () => {
    assert.deepEqual(scheduleErrors(weekdays('09:00', '16:59')), {});
    const errors = scheduleErrors({
      ranges: [
        { weekday: 0, start: '09:00', end: '10:00' },
        { weekday: 2, start: '9:00', end: '24:00' },
        { weekday: 3, start: '12:00', end: '11:00' },
      ],
    });
    assert.deepEqual(Object.keys(errors).sort(), [
      'schedule.ranges[0].weekday',
      'schedule.ranges[1].end',
      'schedule.ranges[1].start',
      'schedule.ranges[2].end',
    ]);
  });
});
