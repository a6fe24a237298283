// Escalation ladder (催办 → 督办单 → 约谈/通报), counted in working days.
//
// `planEscalation` turns a task's (or a quarterly report's) dates into the
// full list of notices, each with the day and the 09:00 Asia/Shanghai instant
// it fires. It is pure: callers filter by `now` (see `pendingNotices`) and
// re-plan whenever the calendar, the deadline (extension) or the status
// changes; an approved extension simply passes the new due date, which resets
// the ladder.
//
// Rules (docs/domain.md "The escalation ladder", default thresholds in types.ts):
//   ACK_REMINDER  ackReminderDays working days after assignment, unless acknowledged;
//   WARNING       warningDaysBefore working days before the due date (N-th strictly before);
//   LEVEL1/2/3    the N-th working day strictly after the due date
//                 (N = 1, 3, 10: due 2026-02-13 → 02-14, 02-25, 03-05).
// Status handling (a choice, documented here):
//   CLOSED, CANCELLED  → no notices;
//   DRAFT              → no notices (nothing has been assigned yet);
//   CLOSURE_REQUESTED  → no notices: the office holds the ball while it reviews,
//                        so the ladder pauses. If the closure is returned the
//                        task is IN_PROGRESS again and re-planning brings back
//                        every notice whose time has not passed.
//   ASSIGNED/IN_PROGRESS → full ladder; IN_PROGRESS implies acknowledgement.
// Milestones (时间节点): each pending milestone gets its own WARNING and LEVEL1
// (reminder) only; levels 2 and 3 are reserved for the task deadline.

import { shanghaiInstant, compareDates, instantMs, type WorkingCalendar } from './calendar';
import {
  DEFAULT_NOTICE_TIME,
  DEFAULT_THRESHOLDS,
  type EscalationThresholds,
  type Instant,
  type IsoDate,
  type Milestone,
  type NoticeKind,
  type NoticeRecipient,
  type TaskStatus,
} from './types';

export interface EscalationInput {
  /** Day the task was assigned (交办) or the report round opened. */
  assignedOn?: IsoDate | null;
  /** Day of acknowledgement (签收); suppresses the ack reminder. */
  acknowledgedOn?: IsoDate | null;
  /** Deadline: end of this day. Null → no warning and no overdue levels. */
  dueDate?: IsoDate | null;
  status: TaskStatus;
  milestones?: readonly Milestone[];
  /**
   * What is being chased. 'REPORT' (a quarterly report) has no acknowledgement
   * step, so no ACK_REMINDER; everything else is the same ladder.
   */
  subject?: 'TASK' | 'REPORT';
}

export interface EscalationNotice {
  kind: NoticeKind;
  /** 0 for ACK_REMINDER and WARNING, 1..3 for the levels. */
  level: 0 | 1 | 2 | 3;
  /** Asia/Shanghai day the notice is due. */
  date: IsoDate;
  /** ISO UTC instant: 09:00 Asia/Shanghai on `date` (or the plan's notice time). */
  fireAt: Instant;
  recipients: NoticeRecipient[];
  /** Present when the notice is about a milestone rather than the deadline. */
  milestone?: { id?: string; title?: string; dueDate: IsoDate };
  /** The deadline the notice counts from (for messages: "due 2026-02-13"). */
  dueDate?: IsoDate;
}

export interface EscalationOptions {
  thresholds?: Partial<EscalationThresholds>;
  /** Local fire time, 'HH:MM' Asia/Shanghai. */
  noticeTime?: string;
}

const RECIPIENTS: Readonly<Record<NoticeKind, readonly NoticeRecipient[]>> = Object.freeze({
  ACK_REMINDER: ['LEAD_DEPARTMENT'],
  WARNING: ['LEAD_DEPARTMENT'],
  LEVEL1: ['LEAD_DEPARTMENT'],
  LEVEL2: ['DEPARTMENT_HEAD', 'OFFICE'],
  LEVEL3: ['SUPERVISOR'],
});

const LEVEL: Record<NoticeKind, 0 | 1 | 2 | 3> = { ACK_REMINDER: 0, WARNING: 0, LEVEL1: 1, LEVEL2: 2, LEVEL3: 3 };

/** All notices of the ladder for this input, ordered by fire time. */
export function planEscalation(
  input: EscalationInput,
  calendar: WorkingCalendar,
  options: EscalationOptions = {},
): EscalationNotice[] {
  const t: EscalationThresholds = { ...DEFAULT_THRESHOLDS, ...(options.thresholds ?? {}) };
  const time = options.noticeTime ?? DEFAULT_NOTICE_TIME;
  const { status } = input;
  if (status === 'CLOSED' || status === 'CANCELLED' || status === 'DRAFT' || status === 'CLOSURE_REQUESTED') return [];

  const notices: EscalationNotice[] = [];
  const push = (kind: NoticeKind, date: IsoDate, extra: Partial<EscalationNotice> = {}) =>
    notices.push({
      kind,
      level: LEVEL[kind],
      date,
      fireAt: shanghaiInstant(date, time),
      recipients: [...RECIPIENTS[kind]],
      ...extra,
    });

  const acknowledged = !!input.acknowledgedOn || status === 'IN_PROGRESS';
  if ((input.subject ?? 'TASK') === 'TASK' && input.assignedOn && !acknowledged && t.ackReminderDays > 0) {
    push('ACK_REMINDER', calendar.addWorkingDays(input.assignedOn, t.ackReminderDays));
  }

  const due = input.dueDate;
  if (due) {
    if (t.warningDaysBefore > 0) {
      const warn = calendar.subtractWorkingDays(due, t.warningDaysBefore);
      // A warning dated before the assignment is meaningless: the task was born inside the window.
      if (!input.assignedOn || compareDates(warn, input.assignedOn) >= 0) push('WARNING', warn, { dueDate: due });
    }
    push('LEVEL1', calendar.addWorkingDays(due, Math.max(1, t.level1DaysOverdue)), { dueDate: due });
    push('LEVEL2', calendar.addWorkingDays(due, Math.max(1, t.level2DaysOverdue)), { dueDate: due });
    push('LEVEL3', calendar.addWorkingDays(due, Math.max(1, t.level3DaysOverdue)), { dueDate: due });
  }

  for (const m of input.milestones ?? []) {
    if (m.completedOn) continue;
    if (due && compareDates(m.dueDate, due) >= 0) continue; // the deadline ladder already covers it
    const milestone = { ...(m.id ? { id: m.id } : {}), ...(m.title ? { title: m.title } : {}), dueDate: m.dueDate };
    if (t.warningDaysBefore > 0) {
      const warn = calendar.subtractWorkingDays(m.dueDate, t.warningDaysBefore);
      if (!input.assignedOn || compareDates(warn, input.assignedOn) >= 0) push('WARNING', warn, { milestone });
    }
    push('LEVEL1', calendar.addWorkingDays(m.dueDate, Math.max(1, t.level1DaysOverdue)), { milestone });
  }

  return notices.sort((a, b) => instantMs(a.fireAt) - instantMs(b.fireAt) || a.level - b.level);
}

/** Notices that have not fired yet at `now` (fireAt strictly after now). */
export function pendingNotices(notices: readonly EscalationNotice[], now: Instant | number | Date): EscalationNotice[] {
  const n = instantMs(now);
  return notices.filter((x) => instantMs(x.fireAt) > n);
}

/** Notices whose time has come at `now` (fireAt <= now), e.g. to catch up after downtime. */
export function dueNotices(notices: readonly EscalationNotice[], now: Instant | number | Date): EscalationNotice[] {
  const n = instantMs(now);
  return notices.filter((x) => instantMs(x.fireAt) <= n);
}

/** The highest overdue level reached at `now` (0 when none). */
export function escalationLevelAt(notices: readonly EscalationNotice[], now: Instant | number | Date): 0 | 1 | 2 | 3 {
  let level: 0 | 1 | 2 | 3 = 0;
  for (const x of dueNotices(notices, now)) if (!x.milestone && x.level > level) level = x.level;
  return level;
}
