/** 报送频次: read from plan text, due dates, how periods settle, what a quarter counts. */
import { describe, expect, it } from 'vitest';
import {
  cadenceLabel,
  dueDatesBetween,
  findReportCadence,
  firstPeriod,
  nextDue,
  parseCadenceCode,
  periodOutcomes,
  periodsInWindow,
  settle,
} from '../../domain/cadence.ts';

const monthly5 = { kind: 'MONTHLY' as const, day: 5 };
const friday = { kind: 'WEEKLY' as const, day: 5 };

describe('reading the cadence from a plan', () => {
  it.each([
    ['各牵头单位每月5日前报送上月工作进展', 'MONTHLY:5'],
    ['请于每月10号前将进展情况报送县医改办', 'MONTHLY:10'],
    ['每月二十日前上报推进情况', 'MONTHLY:20'],
    ['每月底前报送工作台账', 'MONTHLY:31'],
    ['每周五前报送本周进展', 'WEEKLY:5'],
    ['每周向领导小组报告一次', 'WEEKLY:5'],
    ['每星期一上报', 'WEEKLY:1'],
  ])('%s → %s', (text, code) => {
    const c = findReportCadence(text);
    expect(c && `${c.kind}:${c.day}`).toBe(code);
  });

  it('finds none where the text names a recurrence of the work, not of reporting', () => {
    expect(findReportCadence('每季度召开一次联席会议')).toBeNull();
    expect(findReportCadence('每月开展一次义诊活动')).toBeNull();
    expect(findReportCadence('2026年6月底前完成')).toBeNull();
  });

  it('parses codes strictly and labels them', () => {
    expect(parseCadenceCode('MONTHLY:5')).toEqual(monthly5);
    expect(parseCadenceCode('WEEKLY:8')).toBeNull();
    expect(parseCadenceCode('MONTHLY:0')).toBeNull();
    expect(parseCadenceCode('monthly')).toBeNull();
    expect(cadenceLabel(monthly5)).toBe('每月5日前报送');
    expect(cadenceLabel(friday)).toBe('每周五前报送');
    expect(cadenceLabel({ kind: 'MONTHLY', day: 31 })).toBe('每月底前报送');
    expect(cadenceLabel(null)).toBe('随季度督查报送');
    expect(cadenceLabel(friday, 'en')).toBe('weekly, by Friday');
  });
});

describe('due dates and periods', () => {
  it('falls on the day, or the last day of a short month', () => {
    expect(nextDue(monthly5, '2026-03-10')).toBe('2026-04-05');
    expect(nextDue(monthly5, '2026-04-04')).toBe('2026-04-05');
    expect(nextDue(monthly5, '2026-04-05')).toBe('2026-05-05');
    expect(dueDatesBetween({ kind: 'MONTHLY', day: 31 }, '2026-01-31', '2026-05-01')).toEqual([
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
    expect(nextDue(friday, '2026-03-06')).toBe('2026-03-13'); // a Friday: the next one
    expect(nextDue(friday, '2026-03-09')).toBe('2026-03-13');
  });

  it('settles every begun period with one report: late for the past ones, on time for the current one', () => {
    let p = firstPeriod(monthly5, '2026-01-10');
    expect(p).toEqual({ from: '2026-01-10', due: '2026-02-05' });
    let r = settle(monthly5, p, '2026-02-03');
    expect(r.settled).toEqual([{ due: '2026-02-05', onTime: true }]);
    p = r.period;
    expect(p).toEqual({ from: '2026-02-06', due: '2026-03-05' });
    // A second report in the same window settles nothing new.
    expect(settle(monthly5, p, '2026-02-04').settled).toEqual([]);
    // Nothing in March and April; one report on 20 April catches up.
    r = settle(monthly5, p, '2026-04-20');
    expect(r.settled).toEqual([
      { due: '2026-03-05', onTime: false },
      { due: '2026-04-05', onTime: false },
      { due: '2026-05-05', onTime: true },
    ]);
    expect(r.period).toEqual({ from: '2026-05-06', due: '2026-06-05' });
  });

  it('judges a list of reports by the same rule, and counts missing periods', () => {
    const days = ['2026-02-03', '2026-04-20'];
    expect(periodOutcomes(monthly5, '2026-01-10', days, '2026-06-30').map((p) => [p.due, p.outcome])).toEqual([
      ['2026-02-05', 'ON_TIME'],
      ['2026-03-05', 'LATE'],
      ['2026-04-05', 'LATE'],
      ['2026-05-05', 'ON_TIME'],
      ['2026-06-05', 'MISSING'],
    ]);
  });

  it('keeps a quarter to the periods due in it, and nothing after the task closed', () => {
    const q2 = { start: '2026-04-01', end: '2026-06-30' };
    expect(periodsInWindow(monthly5, '2026-01-10', ['2026-04-03'], q2).map((p) => p.outcome)).toEqual([
      'ON_TIME',
      'MISSING',
      'MISSING',
    ]);
    expect(periodsInWindow(monthly5, '2026-01-10', ['2026-04-03'], q2, '2026-05-01')).toHaveLength(1);
  });
});
