// Working-day calendar (工作日 / 调休) for Asia/Shanghai.
//
// Official data comes from the `chinese-days` package. We import its
// pre-generated JSON (dist/chinese-days.json: { holidays, workdays, inLieuDays }
// keyed 'YYYY-MM-DD') instead of calling its functions, because its functions
// compute weekdays and even their own data tables with the host's local time
// zone: under TZ=America/New_York `isWorkday('2026-02-09')` (a Monday) is
// false. Weekdays here are computed on UTC day numbers, so the result is the
// same on every host and inside a Temporal workflow sandbox.
//
// Pure: no I/O, no clock. Years the package does not cover fall back to
// "Monday to Friday" and `hasOfficialData(year)` says so.

import chineseDays from 'chinese-days/dist/chinese-days.json';
import type { Instant, IsoDate } from './types';

export type DayKind = 'WORKDAY' | 'HOLIDAY';

/** An admin's correction of one day, or one day of a loaded official schedule. */
export interface DayOverride {
  date: IsoDate;
  kind: DayKind;
  name?: string;
}

export interface CalendarOptions {
  /** Years whose official schedule the admin has loaded through `overrides`. */
  officialYears?: readonly number[];
}

export interface DayInfo {
  date: IsoDate;
  working: boolean;
  /** Where the answer came from. */
  source: 'OVERRIDE' | 'OFFICIAL' | 'WEEKDAY';
  /** Holiday name, e.g. '春节', or the override's name. */
  name?: string;
}

export interface WorkingCalendar {
  isWorkingDay(date: IsoDate): boolean;
  dayInfo(date: IsoDate): DayInfo;
  /** The n-th working day strictly after `date` (n >= 1; n = 0 returns `date`). */
  addWorkingDays(date: IsoDate, n: number): IsoDate;
  /** The n-th working day strictly before `date` (n >= 1; n = 0 returns `date`). */
  subtractWorkingDays(date: IsoDate, n: number): IsoDate;
  /** The first working day strictly after `date`. */
  nextWorkingDayAfter(date: IsoDate): IsoDate;
  /** Working days in (from, to], i.e. after `from` up to and including `to`; negative if to < from. */
  workingDaysBetween(from: IsoDate, to: IsoDate): number;
  /** False → the year is computed from weekends only; the UI shows a flag. */
  hasOfficialData(year: number): boolean;
  /** The overrides this calendar was built with (to persist or rebuild). */
  readonly overrides: readonly DayOverride[];
}

interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
  inLieuDays: Record<string, string>;
}

const OFFICIAL = chineseDays as ChineseDaysData;

/** Years with official data in the bundled `chinese-days` (derived from the data itself). */
export const OFFICIAL_YEARS: readonly number[] = Object.freeze(
  [...new Set(Object.keys(OFFICIAL.holidays).map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b),
);

const OFFICIAL_YEAR_SET = new Set(OFFICIAL_YEARS);

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // China has no DST: UTC+8 all year.

/** Throws unless `date` is a real 'YYYY-MM-DD' day. */
function assertIsoDate(date: string): void {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`invalid date '${date}', expected YYYY-MM-DD`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) {
    throw new RangeError(`invalid date '${date}'`);
  }
}

export function isIsoDate(date: unknown): date is IsoDate {
  if (typeof date !== 'string') return false;
  try {
    assertIsoDate(date);
    return true;
  } catch {
    return false;
  }
}

/** The years a user-given date may fall in: anything else is a typo (0206-01-01, 20260-…). */
const PLAUSIBLE_YEARS = Object.freeze({ from: 2000, to: 2100 });

/**
 * The one parser for dates people type: a real 'YYYY-MM-DD' day within
 * PLAUSIBLE_YEARS. API arguments, workflow validators, imported plans and
 * calendar overrides all go through it.
 */
export function isPlausibleDate(date: unknown): date is IsoDate {
  if (!isIsoDate(date)) return false;
  const y = Number(date.slice(0, 4));
  return y >= PLAUSIBLE_YEARS.from && y <= PLAUSIBLE_YEARS.to;
}

/** Days since 1970-01-01 for a calendar date. */
export function toDayNumber(date: IsoDate): number {
  assertIsoDate(date);
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

export function fromDayNumber(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar arithmetic (not working days). */
export function addCalendarDays(date: IsoDate, n: number): IsoDate {
  return fromDayNumber(toDayNumber(date) + n);
}

/** 0 = Sunday … 6 = Saturday, independent of the host time zone. */
export function dayOfWeek(date: IsoDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday.
}

export function compareDates(a: IsoDate, b: IsoDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Last day of a month (month 1..12). */
export function lastDayOfMonth(year: number, month: number): IsoDate {
  return fromDayNumber(Date.UTC(year, month, 0) / DAY_MS);
}

/** The instant of `date` at local time `time` ('HH:MM' or 'HH:MM:SS') in Asia/Shanghai. */
export function shanghaiInstant(date: IsoDate, time = '09:00'): Instant {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!m) throw new RangeError(`invalid time '${time}', expected HH:MM`);
  const ms = toDayNumber(date) * DAY_MS + (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)) * 1000;
  return new Date(ms - SHANGHAI_OFFSET_MS).toISOString();
}

/**
 * End of day D in Asia/Shanghai: the instant D+1 00:00 (+08:00), exclusive.
 * A task due D is overdue when now >= endOfDay(D).
 */
export function endOfDay(date: IsoDate): Instant {
  return shanghaiInstant(addCalendarDays(date, 1), '00:00');
}

/** The Asia/Shanghai calendar day of an instant (ISO string, epoch ms or Date). */
export function shanghaiDate(instant: Instant | number | Date): IsoDate {
  return new Date(toMs(instant) + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

function toMs(instant: Instant | number | Date): number {
  const ms =
    typeof instant === 'number' ? instant : typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`invalid instant '${String(instant)}'`);
  return ms;
}

export function instantMs(instant: Instant | number | Date): number {
  return toMs(instant);
}

function holidayName(raw: string | undefined): string | undefined {
  // chinese-days stores 'Spring Festival,春节,4' (English, Chinese, length).
  return raw?.split(',')[1];
}

// Hard stop for loops over a corrupted calendar (e.g. every day a holiday).
const MAX_SCAN_DAYS = 3660;

/**
 * Build a calendar. Later overrides win over earlier ones for the same date;
 * overrides win over the official data, which wins over the weekday rule.
 */
export function createCalendar(overrides: readonly DayOverride[] = [], options: CalendarOptions = {}): WorkingCalendar {
  const byDate = new Map<IsoDate, DayOverride>();
  for (const o of overrides) {
    assertIsoDate(o.date);
    if (o.kind !== 'WORKDAY' && o.kind !== 'HOLIDAY') throw new RangeError(`invalid day kind '${String(o.kind)}'`);
    byDate.set(o.date, o);
  }
  const officialYears = new Set(options.officialYears ?? []);
  const frozen = Object.freeze(overrides.map((o) => ({ ...o })));

  const dayInfo = (date: IsoDate): DayInfo => {
    const o = byDate.get(date);
    if (o) return { date, working: o.kind === 'WORKDAY', source: 'OVERRIDE', ...(o.name ? { name: o.name } : {}) };
    const work = OFFICIAL.workdays[date];
    if (work !== undefined) return { date, working: true, source: 'OFFICIAL', name: holidayName(work) };
    const rest = OFFICIAL.holidays[date];
    if (rest !== undefined) return { date, working: false, source: 'OFFICIAL', name: holidayName(rest) };
    const dow = dayOfWeek(date);
    return { date, working: dow !== 0 && dow !== 6, source: 'WEEKDAY' };
  };
  const isWorkingDay = (date: IsoDate) => dayInfo(date).working;

  const step = (date: IsoDate, n: number, dir: 1 | -1): IsoDate => {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`working-day count must be a non-negative integer, got ${n}`);
    let day = toDayNumber(date);
    let left = n;
    let scanned = 0;
    while (left > 0) {
      day += dir;
      if (isWorkingDay(fromDayNumber(day))) left--;
      if (++scanned > MAX_SCAN_DAYS + n * 7) throw new RangeError('no working days found: check calendar overrides');
    }
    return fromDayNumber(day);
  };

  return {
    isWorkingDay,
    dayInfo,
    addWorkingDays: (date, n) => step(date, n, 1),
    subtractWorkingDays: (date, n) => step(date, n, -1),
    nextWorkingDayAfter: (date) => step(date, 1, 1),
    workingDaysBetween(from, to) {
      const a = toDayNumber(from);
      const b = toDayNumber(to);
      const [lo, hi, sign] = a <= b ? [a, b, 1] : [b, a, -1];
      let count = 0;
      for (let d = lo + 1; d <= hi; d++) if (isWorkingDay(fromDayNumber(d))) count++;
      return sign * count;
    },
    hasOfficialData: (year) => OFFICIAL_YEAR_SET.has(year) || officialYears.has(year),
    overrides: frozen,
  };
}
