// Reporting cadence per task (报送频次): besides the quarterly round, a task may
// owe its lead department a report every week or every month.
//
//   WEEKLY:d   due by the end of weekday d (1 = Monday … 7 = Sunday) every week;
//   MONTHLY:d  due by the end of day d of every month (a short month: its last day);
//   null       one-off: no periodic report (the quarterly round still asks).
//
// Periods: the due dates after the day of assignment, in order; the period of
// due date d_k runs from the day after d_{k-1} (the assignment day for the
// first) to d_k. A report on day R settles every unsettled period that has
// begun by R: on time when R ≤ d_k, late otherwise (one report catches up:
// nobody types the same progress twice). A period still unsettled when it is
// looked at is missing. The oldest unsettled period is chased on the same
// escalation ladder as a deadline (planEscalation with subject REPORT).
//
// Set on import from the plan text where it says so ("每月5日前报送进展",
// "每周五前报送"), editable on assignment. docs/domain.md "Reporting cadence".

import { addCalendarDays, compareDates, dayOfWeek, lastDayOfMonth } from './calendar';
import type { IsoDate } from './types';

export type CadenceKind = 'WEEKLY' | 'MONTHLY';

export interface ReportCadence {
  kind: CadenceKind;
  day: number;
}

/** 'WEEKLY:5' / 'MONTHLY:5' ↔ the cadence; null for none or anything malformed. */
export function parseCadenceCode(code: string | null | undefined): ReportCadence | null {
  const m = /^(WEEKLY|MONTHLY):(\d{1,2})$/.exec(code ?? '');
  if (!m) return null;
  const day = Number(m[2]);
  if (m[1] === 'WEEKLY' ? day < 1 || day > 7 : day < 1 || day > 31) return null;
  return { kind: m[1] as CadenceKind, day };
}

export function cadenceCode(c: ReportCadence | null | undefined): string | null {
  return c ? `${c.kind}:${c.day}` : null;
}

/** Why a cadence code cannot be used, or null. */
export function cadenceProblem(code: string): { zh: string; en: string } | null {
  return parseCadenceCode(code)
    ? null
    : {
        zh: '报送频次格式不正确：应为每周某日（星期一至星期日）或每月某日（1日至31日）',
        en: 'Report cadence must be WEEKLY:1–7 or MONTHLY:1–31',
      };
}

const WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const CN_NUM: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

function chineseDay(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  if (s === '十') return 10;
  const m = /^([一二三])?十([一二三四五六七八九])?$/.exec(s);
  if (m) return (m[1] ? CN_NUM[m[1]]! : 1) * 10 + (m[2] ? CN_NUM[m[2]]! : 0);
  return CN_NUM[s] ?? null;
}

const REPORTING = '(?:报送|上报|报告|反馈)';
const MONTHLY_RE = new RegExp(
  `每(?:个)?月(?:的)?(\\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])(?:日|号)(?:前|之前|以前)?[^。；;]{0,12}?${REPORTING}`,
);
const MONTHLY_END_RE = new RegExp(`每(?:个)?月(?:底|末)(?:前)?[^。；;]{0,12}?${REPORTING}`);
const WEEKLY_RE = new RegExp(`每(?:周|星期)([一二三四五六日天])?(?:前|之前|以前)?[^。；;]{0,12}?${REPORTING}`);

/** The cadence a plan's text states for reporting, if it states one. */
export function findReportCadence(text: string): ReportCadence | null {
  const m = MONTHLY_RE.exec(text);
  if (m) {
    const day = chineseDay(m[1]!);
    if (day && day >= 1 && day <= 31) return { kind: 'MONTHLY', day };
  }
  if (MONTHLY_END_RE.test(text)) return { kind: 'MONTHLY', day: 31 };
  const w = WEEKLY_RE.exec(text);
  if (w) return { kind: 'WEEKLY', day: w[1] ? WEEKDAY[w[1]]! : 5 };
  return null;
}

/** The first due date strictly after `date`. */
export function nextDue(c: ReportCadence, date: IsoDate): IsoDate {
  if (c.kind === 'WEEKLY') {
    const dow = dayOfWeek(date) || 7; // 1..7
    const ahead = (c.day - dow + 7) % 7 || 7;
    return addCalendarDays(date, ahead);
  }
  let y = Number(date.slice(0, 4));
  let m = Number(date.slice(5, 7));
  for (let i = 0; i < 3; i++) {
    const last = lastDayOfMonth(y, m);
    const d = Math.min(c.day, Number(last.slice(8, 10)));
    const due = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    if (compareDates(due, date) > 0) return due;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  throw new RangeError(`no due date after ${date}`);
}

/** Every due date after `from` up to and including `to`. */
export function dueDatesBetween(c: ReportCadence, from: IsoDate, to: IsoDate): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = nextDue(c, from); compareDates(d, to) <= 0; d = nextDue(c, d)) out.push(d);
  return out;
}

export type PeriodOutcome = 'ON_TIME' | 'LATE' | 'MISSING';

export interface PeriodResult {
  due: IsoDate;
  outcome: PeriodOutcome;
  /** The day of the report that settled it. */
  settledOn?: IsoDate;
}

/**
 * How each period up to `until` went, given the days reports were made
 * (assignment on `assignedOn`). Periods after `until` are left out; a period
 * due on or before `until` with no report by `until` is MISSING.
 */
export function periodOutcomes(
  c: ReportCadence,
  assignedOn: IsoDate,
  reportDays: readonly IsoDate[],
  until: IsoDate,
): PeriodResult[] {
  const dues = dueDatesBetween(c, assignedOn, until);
  const days = [...reportDays].filter((d) => compareDates(d, until) <= 0).sort(compareDates);
  const out: PeriodResult[] = [];
  let r = 0;
  for (let k = 0; k < dues.length; k++) {
    const due = dues[k]!;
    const start = k === 0 ? assignedOn : dues[k - 1]!;
    // The first report on or after the period began (the assignment day counts for the first period).
    while (r < days.length && compareDates(days[r]!, start) < (k === 0 ? 0 : 1)) r++;
    const settle = days[r];
    if (settle === undefined) out.push({ due, outcome: 'MISSING' });
    else out.push({ due, outcome: compareDates(settle, due) <= 0 ? 'ON_TIME' : 'LATE', settledOn: settle });
  }
  return out;
}

/** A reporting period: it begins on `from` and its report is due by the end of `due`. */
export interface ReportPeriod {
  from: IsoDate;
  due: IsoDate;
}

/** The first period of a task assigned on `assignedOn`. */
export function firstPeriod(c: ReportCadence, assignedOn: IsoDate): ReportPeriod {
  return { from: assignedOn, due: nextDue(c, assignedOn) };
}

/**
 * A report on `reportDay` settles the oldest unsettled period (`period`) and
 * every later one that has begun by then; the answer is the next unsettled
 * period and what was settled (periodOutcomes applies the same rule to a list).
 */
export function settle(
  c: ReportCadence,
  period: ReportPeriod,
  reportDay: IsoDate,
): { period: ReportPeriod; settled: { due: IsoDate; onTime: boolean }[] } {
  const settled: { due: IsoDate; onTime: boolean }[] = [];
  let p = period;
  while (compareDates(reportDay, p.from) >= 0) {
    settled.push({ due: p.due, onTime: compareDates(reportDay, p.due) <= 0 });
    p = { from: addCalendarDays(p.due, 1), due: nextDue(c, p.due) };
  }
  return { period: p, settled };
}

/**
 * The periods of an evaluation window (a round's quarter) and how each went:
 * those due inside [window.start, window.end], judged as of the window's end
 * (or the day the task closed, after which nothing more is owed).
 */
export function periodsInWindow(
  c: ReportCadence,
  assignedOn: IsoDate,
  reportDays: readonly IsoDate[],
  window: { start: IsoDate; end: IsoDate },
  closedOn?: IsoDate | null,
): PeriodResult[] {
  const until = closedOn && compareDates(closedOn, window.end) < 0 ? closedOn : window.end;
  return periodOutcomes(c, assignedOn, reportDays, until).filter((p) => compareDates(p.due, window.start) >= 0);
}

const WEEKDAY_ZH = ['', '一', '二', '三', '四', '五', '六', '日'];
const WEEKDAY_EN = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** How a cadence reads: 每月5日前报送 / weekly by Friday. */
export function cadenceLabel(c: ReportCadence | null, lang: 'zh' | 'en' = 'zh'): string {
  if (!c) return lang === 'zh' ? '随季度督查报送' : 'with the quarterly round';
  if (c.kind === 'WEEKLY') return lang === 'zh' ? `每周${WEEKDAY_ZH[c.day]}前报送` : `weekly, by ${WEEKDAY_EN[c.day]}`;
  if (c.day >= 28) return lang === 'zh' ? '每月底前报送' : 'monthly, by the end of the month';
  return lang === 'zh' ? `每月${c.day}日前报送` : `monthly, by day ${c.day}`;
}
