/**
 * Who owns a task and when its clock runs: disputes over ownership (退单),
 * pausing the clock (挂起) and reopening a closed task (回头看). The rules
 * per plan and the date arithmetic live here; the task's workflow applies
 * them on durable timers. Pure: no I/O.
 */
import { addCalendarDays, compareDates, shanghaiInstant, toDayNumber, type WorkingCalendar } from './calendar';
import type { Instant, IsoDate, Milestone } from './types';

export interface ResponsibilityRules {
  /** The office decides a dispute within this many working days, else supervisors are told. */
  disputeDecideWorkingDays: number;
  /** A closed task may be reopened (回头看) for this many calendar days after closure (0: never). */
  reopenWindowDays: number;
  /** The longest pause one request may ask for, in calendar days. */
  maxPauseDays: number;
}

export const DEFAULT_RESPONSIBILITY_RULES: ResponsibilityRules = Object.freeze({
  disputeDecideWorkingDays: 3,
  reopenWindowDays: 90,
  maxPauseDays: 180,
});

export function responsibilityRules(partial: Partial<ResponsibilityRules> = {}): ResponsibilityRules {
  return { ...DEFAULT_RESPONSIBILITY_RULES, ...partial };
}

export interface Refusal {
  zh: string;
  en: string;
}

/** What the access rule needs to know of 退单, 挂起 and 回头看 (domain/access.ts `AccessTask`). */
export function responsibilityFacts(
  status: string,
  r: {
    dispute?: unknown;
    pause?: unknown;
    pendingPause?: unknown;
    reopenUntil?: IsoDate | null;
  },
  today: IsoDate,
): { hasPendingDispute: boolean; paused: boolean; hasPendingPause: boolean; reopenable?: boolean } {
  return {
    hasPendingDispute: !!r.dispute,
    paused: !!r.pause,
    hasPendingPause: !!r.pendingPause,
    ...(status === 'CLOSED' ? { reopenable: !!r.reopenUntil && compareDates(today, r.reopenUntil) <= 0 } : {}),
  };
}

// ─── 退单 ────────────────────────────────────────────────────────────────────

/** The last day the office has to decide a dispute raised on `raisedOn`. */
export function disputeDecideBy(raisedOn: IsoDate, calendar: WorkingCalendar, rules: Partial<ResponsibilityRules>) {
  return calendar.addWorkingDays(raisedOn, Math.max(1, responsibilityRules(rules).disputeDecideWorkingDays));
}

/** When an undecided dispute goes to the supervisors: the working day after the last day, at notice time. */
export function disputeEscalatesAt(decideBy: IsoDate, calendar: WorkingCalendar, noticeTime?: string): Instant {
  return shanghaiInstant(calendar.nextWorkingDayAfter(decideBy), noticeTime);
}

// ─── 挂起 ────────────────────────────────────────────────────────────────────

/** A pause in force: from `since` (inclusive) to `until` (exclusive: the day work resumes), if set. */
export interface PauseSpan {
  since: IsoDate;
  until?: IsoDate | null;
}

/** Why a requested pause cannot be granted as asked, or null. `until` is the day work resumes by itself. */
export function pauseRequestProblem(
  input: { today: IsoDate; until?: IsoDate | null; reason?: string },
  rules: Partial<ResponsibilityRules> = {},
): Refusal | null {
  if (!input.reason?.trim()) return { zh: '挂起理由不能为空。', en: 'A reason for the pause is required.' };
  if (input.until) {
    if (compareDates(input.until, input.today) <= 0) {
      return {
        zh: `恢复日期 ${input.until} 应晚于今天。`,
        en: `The resume date ${input.until} must be after today.`,
      };
    }
    const max = responsibilityRules(rules).maxPauseDays;
    if (toDayNumber(input.until) - toDayNumber(input.today) > max) {
      return {
        zh: `一次挂起最长 ${max} 天，恢复日期 ${input.until} 超出了。`,
        en: `A pause may last at most ${max} days; ${input.until} is beyond that.`,
      };
    }
  }
  return null;
}

/** Working days paused from `since` up to (not including) `end`: the days the clock stood still. */
export function pausedWorkingDays(span: { since: IsoDate }, end: IsoDate, calendar: WorkingCalendar): number {
  if (compareDates(end, span.since) <= 0) return 0;
  return calendar.workingDaysBetween(addCalendarDays(span.since, -1), addCalendarDays(end, -1));
}

/**
 * Move a date by the paused working days: a date on or after the pause began
 * moves by `days` working days; one before it stays (it was already due).
 */
export function shiftForPause(date: IsoDate, since: IsoDate, days: number, calendar: WorkingCalendar): IsoDate {
  if (days <= 0 || compareDates(date, since) < 0) return date;
  return calendar.addWorkingDays(date, days);
}

/** The deadline and open milestones after a pause of `days` working days that began on `since`. */
export function afterPause(
  task: { dueDate: IsoDate | null; milestones: readonly Milestone[] },
  since: IsoDate,
  days: number,
  calendar: WorkingCalendar,
): { dueDate: IsoDate | null; milestones: Milestone[] } {
  return {
    dueDate: task.dueDate ? shiftForPause(task.dueDate, since, days, calendar) : null,
    milestones: task.milestones.map((m) =>
      m.completedOn ? { ...m } : { ...m, dueDate: shiftForPause(m.dueDate, since, days, calendar) },
    ),
  };
}

// ─── 回头看 ──────────────────────────────────────────────────────────────────

/** The last day a task closed on `closedOn` may be reopened, or null when the plan allows none. */
export function reopenUntil(closedOn: IsoDate, rules: Partial<ResponsibilityRules> = {}): IsoDate | null {
  const days = responsibilityRules(rules).reopenWindowDays;
  return days > 0 ? addCalendarDays(closedOn, days) : null;
}

/** Why the office may not reopen now with this deadline, or null. */
export function reopenProblem(
  input: { today: IsoDate; closedOn: IsoDate | null; dueDate?: IsoDate | null; reason?: string },
  rules: Partial<ResponsibilityRules> = {},
): Refusal | null {
  const last = input.closedOn ? reopenUntil(input.closedOn, rules) : null;
  if (!last)
    return { zh: '本方案不允许重新打开已办结的任务。', en: 'This plan does not allow reopening closed tasks.' };
  if (compareDates(input.today, last) > 0) {
    return {
      zh: `办结已超过 ${responsibilityRules(rules).reopenWindowDays} 天（可重新打开至 ${last}），不能再重新打开。`,
      en: `The reopening period ended on ${last}.`,
    };
  }
  if (!input.reason?.trim()) return { zh: '重新打开的理由不能为空。', en: 'A reason for reopening is required.' };
  if (!input.dueDate)
    return { zh: '请为重新打开的任务设定新的完成时限。', en: 'Set a new deadline for the reopened task.' };
  if (compareDates(input.dueDate, input.today) <= 0) {
    return {
      zh: `新的完成时限 ${input.dueDate} 应晚于今天。`,
      en: `The new deadline ${input.dueDate} must be after today.`,
    };
  }
  return null;
}

// ─── in a round's evaluation ────────────────────────────────────────────────

/** A timeline event of a task as the round sees it (TaskEvent rows of the quarter). */
export interface ResponsibilityEvent {
  taskId: string;
  title: string;
  kind: string;
  /** The task's lead department when the round closed. */
  department?: string | null;
  /** Asia/Shanghai day of the event. */
  on: IsoDate;
  data: Record<string, unknown>;
}

export interface ApprovedExtension {
  taskId: string;
  title: string;
  department: string | null;
  from: IsoDate | null;
  to: IsoDate;
  decidedOn: IsoDate;
}

export type DisputeOutcome = 'REASSIGNED' | 'UPHELD' | 'WITHDRAWN' | 'PENDING';

/** What a closed round keeps of 退单, 延期 and 挂起 (frozen with its evaluation). */
export interface RoundResponsibility {
  disputes: {
    department: string | null;
    taskId: string;
    title: string;
    raisedOn: IsoDate;
    outcome: DisputeOutcome;
    escalated: boolean;
  }[];
  extensions: ApprovedExtension[];
  pauses: {
    taskId: string;
    title: string;
    department: string | null;
    since: IsoDate;
    until: IsoDate;
    workingDays: number;
  }[];
  byDepartment: { department: string; disputes: number; extensions: number }[];
}

/** Disputes raised, extensions approved and pauses ended in the round's quarter, per department too. */
export function roundResponsibility(
  events: readonly ResponsibilityEvent[],
  extensions: readonly ApprovedExtension[],
): RoundResponsibility {
  const sorted = [...events].sort((a, b) => compareDates(a.on, b.on));
  const disputes: RoundResponsibility['disputes'] = [];
  const open = new Map<string, RoundResponsibility['disputes'][number]>();
  const pauses: RoundResponsibility['pauses'] = [];
  for (const e of sorted) {
    if (e.kind === 'DISPUTED') {
      const d = {
        department: (e.data.departmentId as string | null) ?? null,
        taskId: e.taskId,
        title: e.title,
        raisedOn: e.on,
        outcome: 'PENDING' as DisputeOutcome,
        escalated: false,
      };
      disputes.push(d);
      open.set(e.taskId, d);
      continue;
    }
    const d = open.get(e.taskId);
    if (e.kind === 'DISPUTE_OVERDUE' && d) d.escalated = true;
    const settled: DisputeOutcome | null =
      e.kind === 'DISPUTE_REASSIGNED'
        ? 'REASSIGNED'
        : e.kind === 'DISPUTE_REJECTED'
          ? 'UPHELD'
          : (e.kind === 'ACKNOWLEDGED' && e.data.disputeWithdrawn) || e.kind === 'REASSIGNED'
            ? 'WITHDRAWN'
            : null;
    if (settled && d) {
      d.outcome = settled;
      open.delete(e.taskId);
    }
    if (e.kind === 'RESUMED' && typeof e.data.workingDays === 'number') {
      pauses.push({
        taskId: e.taskId,
        title: e.title,
        department: e.department ?? null,
        since: String(e.data.since),
        until: String(e.data.until),
        workingDays: e.data.workingDays,
      });
    }
  }
  const counts = new Map<string, { department: string; disputes: number; extensions: number }>();
  const row = (dept: string) => {
    if (!counts.has(dept)) counts.set(dept, { department: dept, disputes: 0, extensions: 0 });
    return counts.get(dept)!;
  };
  for (const d of disputes) if (d.department) row(d.department).disputes += 1;
  for (const x of extensions) if (x.department) row(x.department).extensions += 1;
  return { disputes, extensions: [...extensions], pauses, byDepartment: [...counts.values()] };
}
