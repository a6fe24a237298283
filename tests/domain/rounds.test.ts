import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar';
import {
  evaluateRound,
  indicatorAttainment,
  latestOpenedQuarter,
  nextQuarter,
  parseQuarterLabel,
  previousQuarter,
  quarterLastDay,
  quarterOf,
  roundSchedule,
} from '../../domain/rounds';

const cal = createCalendar();

describe('quarter helpers', () => {
  it('Q3 2026 opens 2026-10-08 09:00 and reports are due 2026-10-13', () => {
    const s = roundSchedule({ year: 2026, quarter: 3 }, cal);
    expect(s).toMatchObject({
      label: '2026Q3',
      periodStart: '2026-07-01',
      periodEnd: '2026-09-30',
      opensOn: '2026-10-08',
      opensAt: '2026-10-08T01:00:00.000Z',
      reportDueOn: '2026-10-13',
      reportDueAt: '2026-10-13T16:00:00.000Z',
    });
  });
  it('report window is configurable; Q4 2025 crosses New Year', () => {
    expect(roundSchedule({ year: 2026, quarter: 3 }, cal, { reportDueWorkingDays: 3 }).reportDueOn).toBe('2026-10-10');
    const q4 = roundSchedule({ year: 2025, quarter: 4 }, cal);
    expect(q4.opensOn).toBe('2026-01-04'); // 01-01..03 holiday, 01-04 make-up Sunday
    expect(q4.reportDueOn).toBe('2026-01-08');
  });
  it('quarter arithmetic', () => {
    expect(quarterOf('2026-02-13')).toEqual({ year: 2026, quarter: 1 });
    expect(quarterLastDay({ year: 2024, quarter: 1 })).toBe('2024-03-31');
    expect(quarterLastDay({ year: 2026, quarter: 2 })).toBe('2026-06-30');
    expect(nextQuarter({ year: 2026, quarter: 4 })).toEqual({ year: 2027, quarter: 1 });
    expect(previousQuarter({ year: 2026, quarter: 1 })).toEqual({ year: 2025, quarter: 4 });
    expect(parseQuarterLabel('2026Q3')).toEqual({ year: 2026, quarter: 3 });
    expect(latestOpenedQuarter('2026-10-08T00:59:00Z', cal)).toEqual({ year: 2026, quarter: 2 });
    expect(latestOpenedQuarter('2026-10-08T01:00:00Z', cal)).toEqual({ year: 2026, quarter: 3 });
  });
});

describe('evaluateRound', () => {
  const schedule = roundSchedule({ year: 2026, quarter: 3 }, cal);
  it('computes rates, counts, score and competition ranking', () => {
    const ev = evaluateRound({
      schedule,
      departments: ['市卫健局', '市财政局', '市医保局', '市人社局'],
      reports: [
        { taskId: 't1', department: '市卫健局', submittedAt: '2026-10-12T08:00:00Z' },
        { taskId: 't2', department: '市卫健局', submittedAt: '2026-10-14T08:00:00Z' },
        { taskId: 't3', department: '市财政局', submittedAt: '2026-10-13T15:59:00Z' },
        { taskId: 't4', department: '市医保局', submittedAt: '2026-10-09T08:00:00Z' },
      ],
      tasks: [
        {
          taskId: 't1',
          leadDepartment: '市卫健局',
          status: 'IN_PROGRESS',
          health: 'GREEN',
          indicators: [{ target: 90, actual: 81, comparator: '>=' }],
        },
        { taskId: 't2', leadDepartment: '市卫健局', status: 'IN_PROGRESS', health: 'RED' },
        { taskId: 't3', leadDepartment: '市财政局', status: 'IN_PROGRESS', health: 'GREEN' },
        { taskId: 't4', leadDepartment: '市医保局', status: 'IN_PROGRESS', health: 'GREEN' },
        { taskId: 't5', leadDepartment: '市医保局', status: 'CANCELLED', health: null },
      ],
    });
    const by = Object.fromEntries(ev.departments.map((d) => [d.department, d]));
    expect(by['市卫健局']).toMatchObject({
      reportsDue: 2,
      reportsOnTime: 1,
      reportsLate: 1,
      onTimeRate: 0.5,
      onTrack: 1,
      overdue: 1,
      tasks: 2,
    });
    expect(by['市卫健局'].indicatorAttainment).toBeCloseTo(0.9);
    // (0.3*0.5 + 0.3*0.5 + 0.2*0 + 0.2*0.9) / 1.0 * 100 = 48
    expect(by['市卫健局'].score).toBe(48);
    // no indicators: (0.3*1 + 0.3*1 + 0.2*0) / 0.8 * 100 = 75
    expect(by['市财政局'].score).toBe(75);
    expect(by['市医保局'].score).toBe(75);
    expect(by['市财政局'].rank).toBe(1);
    expect(by['市医保局'].rank).toBe(1);
    expect(by['市卫健局'].rank).toBe(3);
    expect(by['市人社局']).toMatchObject({ score: null, rank: 4 });
  });
  it('overdue penalty and custom weights', () => {
    const ev = evaluateRound({
      schedule,
      reports: [],
      tasks: [
        { taskId: 'a', leadDepartment: 'X', status: 'IN_PROGRESS', health: 'RED' },
        { taskId: 'b', leadDepartment: 'X', status: 'CLOSED', health: null },
      ],
      weights: { overduePenalty: 0.2 },
    });
    // components: onTrack 0/1, completion 1/2 → (0.3*0 + 0.2*0.5)/0.5*100 = 20, minus 0.2*0.5*100 = 10
    expect(ev.departments[0]).toMatchObject({ department: 'X', completed: 1, overdue: 1, score: 10, rank: 1 });
  });
  it('indicator attainment by comparator', () => {
    expect(indicatorAttainment({ target: 90, actual: 95, comparator: '>=' })).toBe(1);
    expect(indicatorAttainment({ target: 3, actual: 4, comparator: '<=' })).toBeCloseTo(0.75);
    expect(indicatorAttainment({ target: 10, actual: 8, comparator: '~' })).toBeCloseTo(0.8);
    expect(indicatorAttainment({ target: null, actual: 8 })).toBeNull();
  });
});
