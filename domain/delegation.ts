/**
 * 代理 (acting-for): a department user names a colleague to act for them over
 * a range of days (Asia/Shanghai, both ends inclusive). While the range is in
 * force the colleague sees and acts on the absent user's department's tasks
 * (domain/access: AccessActor.actingForDepartmentIds). Pure: no I/O, no clock;
 * `today` is always given.
 */
import { compareDates, isPlausibleDate, toDayNumber } from './calendar';
import type { IsoDate } from './types';

/** A range longer than this is not an absence but a transfer: the office reassigns the task instead. */
export const MAX_DELEGATION_DAYS = 366;

export interface DelegationRange {
  startsOn: IsoDate;
  endsOn: IsoDate;
}

export interface DelegationProblem {
  code: 'DATE' | 'IN_PAST' | 'ENDS_BEFORE_START' | 'TOO_LONG' | 'SELF' | 'OVERLAP';
  zh: string;
  en: string;
}

/** Why this range cannot be stored (checked in this order), or null. */
export function delegationRangeProblem(range: DelegationRange, today: IsoDate): DelegationProblem | null {
  if (!isPlausibleDate(range.startsOn) || !isPlausibleDate(range.endsOn)) {
    return {
      code: 'DATE',
      zh: '代理起止日期应为有效日期（格式 YYYY-MM-DD）。',
      en: 'The acting-for dates must be valid dates (YYYY-MM-DD).',
    };
  }
  if (compareDates(range.endsOn, today) < 0) {
    return {
      code: 'IN_PAST',
      zh: `代理期限已经过去（截止 ${range.endsOn}，今天是 ${today}），请选择今天或以后的日期。`,
      en: `The acting-for range is in the past (it ends ${range.endsOn}; today is ${today}). Choose today or a later day.`,
    };
  }
  if (compareDates(range.endsOn, range.startsOn) < 0) {
    return {
      code: 'ENDS_BEFORE_START',
      zh: `代理截止日期（${range.endsOn}）不能早于开始日期（${range.startsOn}）。`,
      en: `The acting-for range ends (${range.endsOn}) before it starts (${range.startsOn}).`,
    };
  }
  if (delegationDays(range) > MAX_DELEGATION_DAYS) {
    return {
      code: 'TOO_LONG',
      zh: `代理期限不能超过 ${MAX_DELEGATION_DAYS} 天；长期调整请由督查室改派责任人。`,
      en: `An acting-for range may last at most ${MAX_DELEGATION_DAYS} days; for longer, the office reassigns the task.`,
    };
  }
  return null;
}

/** Days the range covers, both ends included. */
export function delegationDays(range: DelegationRange): number {
  return toDayNumber(range.endsOn) - toDayNumber(range.startsOn) + 1;
}

export function selfDelegationProblem(fromUserId: string, toUserId: string): DelegationProblem | null {
  return fromUserId === toUserId
    ? { code: 'SELF', zh: '不能指定本人为代理人。', en: 'You cannot name yourself to act for you.' }
    : null;
}

export function rangesOverlap(a: DelegationRange, b: DelegationRange): boolean {
  return compareDates(a.startsOn, b.endsOn) <= 0 && compareDates(b.startsOn, a.endsOn) <= 0;
}

/** The same absence named twice: one colleague acts for a user on any day. */
export function overlapProblem(range: DelegationRange, existing: readonly DelegationRange[]): DelegationProblem | null {
  const clash = existing.find((e) => rangesOverlap(range, e));
  return clash
    ? {
        code: 'OVERLAP',
        zh: `该用户在 ${clash.startsOn} 至 ${clash.endsOn} 已有代理安排，与所选日期重叠；请先撤销原安排。`,
        en: `This user already has someone acting for them from ${clash.startsOn} to ${clash.endsOn}, which overlaps; cancel that first.`,
      }
    : null;
}

/** In force on `today`: started, not ended, not cancelled. */
export function delegationInForce(d: DelegationRange & { cancelledAt?: unknown }, today: IsoDate): boolean {
  return !d.cancelledAt && compareDates(d.startsOn, today) <= 0 && compareDates(today, d.endsOn) <= 0;
}
