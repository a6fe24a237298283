/** 序时进度: expected progress by working days, the four lights, red → yellow only after catching up, the next change. */
import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar';
import { assessHealth, expectedProgress, nextHealthChange, weekStart } from '../../domain/health';

const cal = createCalendar();
const SCHEDULE = { schedule: { mode: 'SCHEDULE' as const } };
// Monday 2 March to Friday 27 March 2026: 20 working days, no holiday.
const march = { status: 'IN_PROGRESS' as const, assignedOn: '2026-03-02', dueDate: '2026-03-27' };
const at = (day: string) => `${day}T02:00:00Z`; // 10:00 in Shanghai

describe('expectedProgress', () => {
  it('is the share of working days elapsed from assignment to the deadline', () => {
    expect(expectedProgress(march, '2026-03-02', cal)).toBe(0);
    expect(expectedProgress(march, '2026-03-16', cal)).toBe(50); // 10 of 20 working days behind us
    expect(expectedProgress(march, '2026-03-27', cal)).toBe(95);
    expect(expectedProgress(march, '2026-03-28', cal)).toBe(100);
  });

  it('stands still over the Spring Festival holiday and counts the 调休 Saturday as a working day', () => {
    const t = { assignedOn: '2026-02-02', dueDate: '2026-03-31' };
    expect(cal.isWorkingDay('2026-02-14')).toBe(true); // 调休
    expect(expectedProgress(t, '2026-02-15', cal)).toBeGreaterThan(expectedProgress(t, '2026-02-14', cal)!);
    const beforeHoliday = expectedProgress(t, '2026-02-16', cal);
    expect(expectedProgress(t, '2026-02-20', cal)).toBe(beforeHoliday);
    expect(expectedProgress(t, '2026-02-24', cal)).toBe(beforeHoliday);
    expect(expectedProgress(t, '2026-02-25', cal)).toBeGreaterThan(beforeHoliday!);
  });

  it('runs through milestones with a target progress', () => {
    const t = { ...march, milestones: [{ dueDate: '2026-03-06', targetProgress: 60 }] };
    // 5 working days to 60%, then 15 to 100%.
    expect(expectedProgress(t, '2026-03-04', cal)).toBe(24); // 2 of 5 days
    expect(expectedProgress(t, '2026-03-09', cal)).toBe(60);
    expect(expectedProgress(t, '2026-03-16', cal)).toBe(73.3); // 60 + 40 × 5/15
  });

  it('is null without an assignment day or a deadline', () => {
    expect(expectedProgress({ dueDate: '2026-03-27' }, '2026-03-10', cal)).toBeNull();
    expect(expectedProgress({ assignedOn: '2026-03-02' }, '2026-03-10', cal)).toBeNull();
  });
});

describe('schedule lights', () => {
  const light = (progress: number, day: string, previous?: Parameters<typeof assessHealth>[0]['previous']) =>
    assessHealth({ ...march, latestProgress: progress, previous }, at(day), cal, SCHEDULE);

  it('compares reported progress with expected progress: green, yellow beyond 10 points, red beyond 30, blue 10 ahead', () => {
    expect(light(45, '2026-03-16')).toMatchObject({ health: 'GREEN', expected: 50 });
    expect(light(40, '2026-03-16').health).toBe('GREEN'); // exactly 10 behind
    expect(light(39, '2026-03-16')).toMatchObject({ health: 'YELLOW', reason: 'BEHIND_SCHEDULE' });
    expect(light(19, '2026-03-16')).toMatchObject({ health: 'RED', reason: 'BEHIND_SCHEDULE' });
    expect(light(60, '2026-03-16')).toMatchObject({ health: 'BLUE', reason: 'AHEAD' });
    expect(light(100, '2026-03-28')).toMatchObject({ health: 'RED', reason: 'OVERDUE' });
  });

  it('honours the plan thresholds', () => {
    const r = assessHealth({ ...march, latestProgress: 45 }, at('2026-03-16'), cal, {
      schedule: { mode: 'SCHEDULE', yellowBehind: 3, redBehind: 4 },
    });
    expect(r.health).toBe('RED');
  });

  it('keeps a red task red until it has caught up, then yellow for that day, then green', () => {
    const red = { health: 'RED' as const, reason: 'BEHIND_SCHEDULE' as const, since: '2026-03-10' };
    // A report that closes most of the gap is not enough.
    expect(light(45, '2026-03-16', red)).toMatchObject({ health: 'RED', reason: 'CATCHING_UP' });
    const caught = light(50, '2026-03-16', red);
    expect(caught).toMatchObject({ health: 'YELLOW', reason: 'CAUGHT_UP' });
    const yellow = { health: 'YELLOW' as const, reason: 'CAUGHT_UP' as const, since: '2026-03-16' };
    expect(light(50, '2026-03-16', yellow).health).toBe('YELLOW');
    // The next day, on schedule, it is green.
    expect(light(50, '2026-03-17', yellow).health).toBe('GREEN');
  });

  it('leaves the deadline mode (the default) as it was: green until the warning window', () => {
    expect(assessHealth({ ...march, latestProgress: 0 }, at('2026-03-16'), cal).health).toBe('GREEN');
  });

  it('names the day the light changes with no new report (the durable timer)', () => {
    const t = { ...march, latestProgress: 45 };
    // 45% is 5 behind on 16 March, 10 behind on the 17th, 15 behind on the 18th: yellow from 00:00 of the 18th.
    expect(new Date(nextHealthChange(t, at('2026-03-16'), cal, SCHEDULE)!).toISOString()).toBe(
      '2026-03-17T16:00:00.000Z',
    );
    // Reported done: blue while 10 points ahead of the schedule.
    const done = { ...march, latestProgress: 100 };
    expect(assessHealth(done, at('2026-03-16'), cal, SCHEDULE).health).toBe('BLUE');
    // 90% expected on the 26th is still 10 ahead; 95% on the 27th is not: green from 00:00 of the 27th.
    expect(new Date(nextHealthChange(done, at('2026-03-16'), cal, SCHEDULE)!).toISOString()).toBe(
      '2026-03-26T16:00:00.000Z',
    );
  });

  it('weeks start on Monday', () => {
    expect(weekStart('2026-03-16')).toBe('2026-03-16');
    expect(weekStart('2026-03-22')).toBe('2026-03-16');
    expect(weekStart('2026-03-19')).toBe('2026-03-16');
  });
});
