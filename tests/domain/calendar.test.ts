import { describe, expect, it } from 'vitest';
import {
  createCalendar,
  dayOfWeek,
  endOfDay,
  OFFICIAL_YEARS,
  shanghaiDate,
  shanghaiInstant,
  addCalendarDays,
} from '../../domain/calendar';

const cal = createCalendar();

describe('calendar: docs/domain.md example (due 2026-02-13, assigned 2026-02-02)', () => {
  it('ack reminder = 2nd working day after assignment', () => {
    expect(cal.addWorkingDays('2026-02-02', 2)).toBe('2026-02-04');
  });
  it('warning = 5th working day before the due date', () => {
    expect(cal.subtractWorkingDays('2026-02-13', 5)).toBe('2026-02-06');
  });
  it('level 1 = first working day after due date: the make-up Saturday', () => {
    expect(dayOfWeek('2026-02-14')).toBe(6);
    expect(cal.isWorkingDay('2026-02-14')).toBe(true);
    expect(cal.nextWorkingDayAfter('2026-02-13')).toBe('2026-02-14');
    expect(cal.addWorkingDays('2026-02-13', 1)).toBe('2026-02-14');
  });
  it('level 2 = 3rd working day after, across the Spring Festival', () => {
    for (let d = '2026-02-15'; d <= '2026-02-23'; d = addCalendarDays(d, 1)) expect(cal.isWorkingDay(d)).toBe(false);
    expect(cal.addWorkingDays('2026-02-13', 3)).toBe('2026-02-25');
  });
  it('level 3 = 10th working day after (counts the 02-28 make-up Saturday)', () => {
    expect(cal.isWorkingDay('2026-02-28')).toBe(true);
    expect(cal.addWorkingDays('2026-02-13', 10)).toBe('2026-03-05');
  });
});

describe('calendar: National Day 2026', () => {
  it('1-7 October are holidays, 20 Sept and 10 Oct are make-up working days', () => {
    for (let d = '2026-10-01'; d <= '2026-10-07'; d = addCalendarDays(d, 1)) expect(cal.isWorkingDay(d)).toBe(false);
    expect(cal.isWorkingDay('2026-09-20')).toBe(true);
    expect(cal.isWorkingDay('2026-10-10')).toBe(true);
    expect(cal.isWorkingDay('2026-10-11')).toBe(false);
    expect(cal.dayInfo('2026-10-01')).toMatchObject({ working: false, source: 'OFFICIAL', name: '国庆节' });
  });
  it('working-day arithmetic jumps the Golden Week', () => {
    expect(cal.nextWorkingDayAfter('2026-09-30')).toBe('2026-10-08');
    expect(cal.subtractWorkingDays('2026-10-08', 1)).toBe('2026-09-30');
    expect(cal.addWorkingDays('2026-09-30', 3)).toBe('2026-10-10');
    expect(cal.workingDaysBetween('2026-09-30', '2026-10-10')).toBe(3);
    expect(cal.workingDaysBetween('2026-10-10', '2026-09-30')).toBe(-3);
  });
});

describe('calendar: coverage and overrides', () => {
  it('knows which years have official data; others fall back to weekends', () => {
    expect(OFFICIAL_YEARS).toContain(2026);
    expect(cal.hasOfficialData(2026)).toBe(true);
    expect(cal.hasOfficialData(2027)).toBe(false);
    expect(cal.dayInfo('2027-10-01')).toEqual({ date: '2027-10-01', working: true, source: 'WEEKDAY' });
    expect(cal.isWorkingDay('2027-10-02')).toBe(false); // Saturday
  });
  it('an admin loads next year: overrides win and the year counts as official', () => {
    const c = createCalendar(
      [
        { date: '2027-10-01', kind: 'HOLIDAY', name: '国庆节' },
        { date: '2027-10-09', kind: 'WORKDAY', name: '国庆节调休' },
      ],
      { officialYears: [2027] },
    );
    expect(c.hasOfficialData(2027)).toBe(true);
    expect(c.isWorkingDay('2027-10-01')).toBe(false);
    expect(c.isWorkingDay('2027-10-09')).toBe(true);
    expect(c.dayInfo('2027-10-01')).toEqual({ date: '2027-10-01', working: false, source: 'OVERRIDE', name: '国庆节' });
    expect(c.overrides).toHaveLength(2);
  });
  it('overrides also correct covered years, and change the ladder', () => {
    const c = createCalendar([
      { date: '2026-02-24', kind: 'HOLIDAY' },
      { date: '2026-02-16', kind: 'WORKDAY' },
    ]);
    expect(c.isWorkingDay('2026-02-16')).toBe(true);
    expect(c.isWorkingDay('2026-02-24')).toBe(false);
    expect(c.addWorkingDays('2026-02-13', 3)).toBe('2026-02-25');
    expect(c.addWorkingDays('2026-02-13', 2)).toBe('2026-02-16');
  });
  it('later overrides of the same day win; invalid input is rejected', () => {
    const c = createCalendar([
      { date: '2026-03-02', kind: 'HOLIDAY' },
      { date: '2026-03-02', kind: 'WORKDAY' },
    ]);
    expect(c.isWorkingDay('2026-03-02')).toBe(true);
    expect(() => createCalendar([{ date: '2026-02-30', kind: 'HOLIDAY' }])).toThrow(RangeError);
    expect(() => cal.addWorkingDays('2026-01-01', -1)).toThrow(RangeError);
    expect(cal.addWorkingDays('2026-01-01', 0)).toBe('2026-01-01');
  });
});

describe('calendar: Asia/Shanghai instants', () => {
  it('09:00 Shanghai is 01:00 UTC; end of day D is D 16:00 UTC', () => {
    expect(shanghaiInstant('2026-02-04')).toBe('2026-02-04T01:00:00.000Z');
    expect(shanghaiInstant('2026-02-04', '18:30')).toBe('2026-02-04T10:30:00.000Z');
    expect(endOfDay('2026-02-13')).toBe('2026-02-13T16:00:00.000Z');
  });
  it('maps instants to the Shanghai day', () => {
    expect(shanghaiDate('2026-02-13T15:59:59.999Z')).toBe('2026-02-13');
    expect(shanghaiDate('2026-02-13T16:00:00.000Z')).toBe('2026-02-14');
    expect(shanghaiDate(Date.UTC(2026, 0, 1, 0, 0))).toBe('2026-01-01');
  });
});
