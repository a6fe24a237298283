// 督办单: the formal supervision notice, numbered in a register per plan and year.
//
// Which notices are formal: every notice of level 2 or above (the ladder's
// LEVEL2 and LEVEL3, the 序时进度 LAGGING notice, a manual escalation to level
// 2 or 3). Level 0 and 1 notices (ack reminder, warning, 催办) stay messages.
//
// Number: the n-th formal notice of a plan in a calendar year (Asia/Shanghai
// day it was issued) gets `n`; the plan's format renders it, default
// 〔{year}〕{n}号 → 〔2026〕12号. Numbers are never reused or skipped on retry:
// the register row is keyed by the notice's idempotency key.
//
// Lifecycle: ISSUED → REPLIED (the lead department answers in Duban) →
// CLOSED (the office accepts the reply; or the task itself closes or is
// cancelled, which closes every open order). The reply is due by the end of
// the N-th working day after issue (plan setting, default 3).
//
// docs/domain.md "督办单" describes the same.

import { compareDates, toDayNumber, type WorkingCalendar } from './calendar';
import type { IsoDate } from './types';

export interface OrderRules {
  /** How a number is written: {year} (or {年}) and {n} (or {序号}) are replaced; {n} is required. */
  numberFormat: string;
  /** The reply is due by the end of this many working days after issue. */
  replyWorkingDays: number;
  /** Who signs the documents (defaults to the plan's issuer). */
  issuer?: string;
}

export const DEFAULT_ORDER_RULES: OrderRules = Object.freeze({
  numberFormat: '〔{year}〕{n}号',
  replyWorkingDays: 3,
});

/** Formal (numbered) notices: level 2 and above. */
export function isFormalNotice(level: number): boolean {
  return level >= 2;
}

/** A number format is valid when it holds {n} once and nothing but {year}/{n} in braces. */
export function orderFormatProblem(format: string): { zh: string; en: string } | null {
  if (!format.trim() || format.length > 40)
    return { zh: '编号格式不能为空，且不超过40个字符', en: 'The number format must be 1–40 characters' };
  const count = (format.match(/\{(?:n|序号)\}/g) ?? []).length;
  if (count !== 1)
    return { zh: '编号格式须含且只含一个 {序号}', en: 'The number format must contain {n} exactly once' };
  const other = format.replace(/\{(?:year|年|n|序号)\}/g, '');
  if (/[{}]/.test(other))
    return { zh: '编号格式只能使用 {年} 和 {序号} 两个占位符', en: 'Only {year} and {n} may appear in braces' };
  return null;
}

export function formatOrderNumber(format: string, year: number, n: number): string {
  return format.replace(/\{(?:year|年)\}/g, String(year)).replace(/\{(?:n|序号)\}/g, String(n));
}

/** The day the reply is due. */
export function orderReplyBy(issuedOn: IsoDate, calendar: WorkingCalendar, rules: Partial<OrderRules> = {}): IsoDate {
  return calendar.addWorkingDays(issuedOn, rules.replyWorkingDays ?? DEFAULT_ORDER_RULES.replyWorkingDays);
}

/** Calendar days past the deadline on `on` (0 when not overdue or no deadline). */
export function daysOverdue(dueDate: IsoDate | null | undefined, on: IsoDate): number {
  if (!dueDate || compareDates(on, dueDate) <= 0) return 0;
  return toDayNumber(on) - toDayNumber(dueDate);
}
