// Deadline phrases (完成时限 / 时间节点) and recurrence (每季度 …).
//
//   到2025年 / 2025年          → 2025-12-31
//   2024年底 / 到2023年底      → 2024-12-31
//   2025年上半年 / 年中 → 06-30, 下半年 → 12-31, 2025年第二季度 → 06-30
//   在2017年8月底前 / 2017年12月 → last day of that month
//   2017年9月20日前 / 2017年７月15日之前 → that day (full-width digits accepted)
//   在5个工作日内 / 30日内 / 3个月内 → relative (date only with a base date)
// A year that is part of a range (2016-2020年), a document number (〔2017〕)
// or a fiscal word (2023年度) is not a deadline.

import { addCalendarDays, lastDayOfMonth, type WorkingCalendar } from '../calendar';
import type { IsoDate, Recurrence } from '../types';
import type { ParsedDeadline, ParsedRelativeDeadline } from './types';

const D = '[0-9０-９]';

/** Full-width digits to ASCII. */
export function halfWidthDigits(s: string): string {
  return s.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

const ABSOLUTE_RE = new RegExp(
  `(到|在|于|截至|截止到?)?((?:19|20)${D}{2})年(?:(${D}{1,2})月(?:(${D}{1,2})日|(底|末))?|(底|末)|(上半年|下半年|年中|第?[一二三四1-4１-４]季度))?(之前|以前|前)?`,
  'g',
);

export interface DeadlineMatch extends ParsedDeadline {
  index: number;
  end: number;
}

const DAY_OF_MONTH_RE = new RegExp(`每(?:个)?月(${D}{1,2})日(?:前|之前|以前)`, 'g');

// Month-only phrases of a phased schedule (2024年9月底前…，12月底前…) take the
// year last written before them; 年内 / 年底前 take the plan's year.
const MONTH_ONLY_RE = new RegExp(`(到|在|于)?(${D}{1,2})月(?:(${D}{1,2})日|(底|末))?(之前|以前|前)?`, 'g');
const PLAN_YEAR_RE = /(?:到|在|于)?(年内|年底前|年底|年末|本年度内|当年内)/g;

export interface DeadlineContext {
  /** The plan's year (from its date or title): 年内, 年底前 are read in it. */
  planYear?: number | null;
}

/**
 * All deadline phrases in `text`, in order: absolute ones, month-only ones
 * after a year (phased schedules), and 年内 / 年底前 when the plan year is known.
 */
export function findDeadlines(text: string, ctx: DeadlineContext = {}): DeadlineMatch[] {
  const out = findAbsoluteDeadlines(text);
  const covered = (i: number) => out.some((d) => i >= d.index && i < d.end);
  const extra: DeadlineMatch[] = [];
  for (const m of text.matchAll(MONTH_ONLY_RE)) {
    const index = m.index ?? 0;
    const numAt = index + (m[1]?.length ?? 0);
    if (covered(numAt)) continue;
    const before = text[numAt - 1] ?? '';
    if (/[0-9０-９年每个.．]/.test(before)) continue;
    // 底/末, or an explicit 前: a date phrase, not "3月" in passing.
    if (!m[4] && !m[5]) continue;
    const prior = out.filter((d) => d.end <= index).at(-1);
    const year = prior ? Number(prior.date!.slice(0, 4)) : ctx.planYear;
    if (!year) continue;
    const month = Number(halfWidthDigits(m[2]));
    if (month < 1 || month > 12) continue;
    let date: IsoDate = lastDayOfMonth(year, month);
    if (m[3]) {
      const day = Number(halfWidthDigits(m[3]));
      if (day < 1 || day > Number(date.slice(8, 10))) continue;
      date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    }
    extra.push({ text: m[0], date, index, end: index + m[0].length, inferred: 'YEAR_FROM_CONTEXT' });
  }
  if (ctx.planYear) {
    for (const m of text.matchAll(PLAN_YEAR_RE)) {
      const index = m.index ?? 0;
      if (covered(index) || extra.some((d) => index >= d.index && index < d.end)) continue;
      const before = text[index - 1] ?? '';
      if (/[0-9０-９一二三四五六七八九十两每个近]/.test(before)) continue;
      extra.push({ text: m[0], date: `${ctx.planYear}-12-31`, index, end: index + m[0].length, inferred: 'PLAN_YEAR' });
    }
  }
  return [...out, ...extra].sort((a, b) => a.index - b.index);
}

/** Absolute deadline phrases (with a year) in `text`, in order. */
function findAbsoluteDeadlines(text: string): DeadlineMatch[] {
  const out: DeadlineMatch[] = [];
  for (const m of text.matchAll(ABSOLUTE_RE)) {
    const index = m.index ?? 0;
    const end = index + m[0].length;
    const before = text[index - 1] ?? '';
    const after = text[end] ?? '';
    if (/[-—–~～至〔[［]/.test(before) && !m[1]) continue; // 2016-2020年, 〔2017〕
    if (after === '度' || /^[-—–~～至]/.test(text.slice(end))) continue; // 2023年度, 2023年—2025年
    const year = Number(halfWidthDigits(m[2]));
    let date: IsoDate;
    if (m[3]) {
      const month = Number(halfWidthDigits(m[3]));
      if (month < 1 || month > 12) continue;
      if (m[4]) {
        const day = Number(halfWidthDigits(m[4]));
        const last = Number(lastDayOfMonth(year, month).slice(8, 10));
        if (day < 1 || day > last) continue;
        date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      } else {
        date = lastDayOfMonth(year, month);
      }
    } else if (m[7]) {
      // 上半年 / 年中 → 06-30, 下半年 → 12-31, (第)N季度 → end of quarter N.
      const q = /[一1１]/.test(m[7])
        ? 1
        : /[二2２]/.test(m[7])
          ? 2
          : /[三3３]/.test(m[7])
            ? 3
            : /[四4４]/.test(m[7])
              ? 4
              : 0;
      date = q ? lastDayOfMonth(year, q * 3) : m[7] === '下半年' ? `${year}-12-31` : `${year}-06-30`;
    } else {
      date = `${year}-12-31`;
    }
    out.push({ text: m[0], date, index, end });
  }
  return out;
}

const RELATIVE_RE = new RegExp(
  `(?:在|于)?(${D}+|[一二两三四五六七八九十]+)(个工作日|个?工作日|日|天|个月|年)(?:内|以内)`,
  'g',
);

const CN_DIGITS: Record<string, number> = {
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};

/** 一..九十九 or digits → number (NaN when not a numeral). */
export function parseNumeral(s: string): number {
  const ascii = halfWidthDigits(s);
  if (/^\d+(\.\d+)?$/.test(ascii)) return Number(ascii);
  if (!/^[一二两三四五六七八九十]+$/.test(s)) return NaN;
  if (s.length === 1) return CN_DIGITS[s];
  const i = s.indexOf('十');
  if (i < 0) return NaN;
  const tens = i === 0 ? 1 : CN_DIGITS[s[0]];
  const ones = i === s.length - 1 ? 0 : CN_DIGITS[s[i + 1]];
  return tens * 10 + ones;
}

/** Relative deadlines (在5个工作日内) with dates when a base date is known. */
export function findRelativeDeadlines(
  text: string,
  base?: { baseDate?: IsoDate; calendar?: WorkingCalendar },
): ParsedRelativeDeadline[] {
  const out: ParsedRelativeDeadline[] = [];
  for (const m of text.matchAll(DAY_OF_MONTH_RE)) {
    out.push({ text: m[0], amount: Number(halfWidthDigits(m[1])), unit: 'DAY_OF_MONTH', date: null });
  }
  for (const m of text.matchAll(RELATIVE_RE)) {
    const amount = parseNumeral(m[1]);
    if (!Number.isFinite(amount)) continue;
    const unit = m[2].includes('工作日') ? 'WORKING_DAY' : m[2] === '个月' ? 'MONTH' : m[2] === '年' ? 'YEAR' : 'DAY';
    let date: IsoDate | null = null;
    if (base?.baseDate) {
      if (unit === 'WORKING_DAY') date = base.calendar ? base.calendar.addWorkingDays(base.baseDate, amount) : null;
      else if (unit === 'DAY') date = addCalendarDays(base.baseDate, amount);
      else {
        const months = unit === 'MONTH' ? amount : amount * 12;
        const y = Number(base.baseDate.slice(0, 4));
        const mo = Number(base.baseDate.slice(5, 7)) - 1 + months;
        const ty = y + Math.floor(mo / 12);
        const tm = (mo % 12) + 1;
        const last = lastDayOfMonth(ty, tm);
        const day = Math.min(Number(base.baseDate.slice(8, 10)), Number(last.slice(8, 10)));
        date = `${ty}-${String(tm).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      }
    }
    out.push({ text: m[0], amount, unit, date });
  }
  return out;
}

const RECURRENCE_RE = /每(?:(季度|个?季)|(个?月)|(年度?)|([2２两二])年|(周|星期))/g;

/** All recurrences named in the text, in order ('weekly' included). */
export function findRecurrences(text: string): Recurrence[] {
  const out: Recurrence[] = [];
  for (const m of text.matchAll(RECURRENCE_RE)) {
    const r: Recurrence = m[1] ? 'quarterly' : m[2] ? 'monthly' : m[3] ? 'annual' : m[4] ? 'biennial' : 'weekly';
    if (!out.includes(r)) out.push(r);
  }
  return out;
}
