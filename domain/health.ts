// Traffic light (红黄绿灯) of a task, derived, never stored as truth.
//
//   RED     open and now >= end of the due day (Asia/Shanghai);
//   YELLOW  today (Asia/Shanghai) is on or after the warning day, i.e. the
//           N-th working day before the due date (N = warningDaysBefore), or a
//           milestone's day has ended without the milestone being met;
//   GREEN   otherwise, including open tasks without a deadline.
// CLOSED and CANCELLED tasks have no light: null (the UI shows them greyed).
// DRAFT and CLOSURE_REQUESTED are computed like any open task (a closure
// request does not make an overdue task on time).
// A milestone counts as met when it has `completedOn`, or when it has a
// `targetProgress` and the latest progress report reached it.

import { compareDates, endOfDay, instantMs, shanghaiDate, type WorkingCalendar } from './calendar';
import { DEFAULT_THRESHOLDS, type Health, type Instant, type IsoDate, type Milestone, type TaskStatus } from './types';

export interface HealthInput {
  status: TaskStatus;
  dueDate?: IsoDate | null;
  milestones?: readonly Milestone[];
  /** Latest reported progress, 0..100. */
  latestProgress?: number | null;
}

export interface HealthOptions {
  warningDaysBefore?: number;
}

export type HealthReason = 'OVERDUE' | 'WARNING_WINDOW' | 'MILESTONE_BEHIND' | 'ON_TRACK' | 'NOT_OPEN';

export interface HealthResult {
  health: Health | null;
  reason: HealthReason;
  /** The missed milestone, when reason is MILESTONE_BEHIND. */
  milestone?: Milestone;
}

export function assessHealth(
  input: HealthInput,
  now: Instant | number | Date,
  calendar: WorkingCalendar,
  options: HealthOptions = {},
): HealthResult {
  if (input.status === 'CLOSED' || input.status === 'CANCELLED') return { health: null, reason: 'NOT_OPEN' };
  const nowMs = instantMs(now);
  const due = input.dueDate;
  if (due && nowMs >= instantMs(endOfDay(due))) return { health: 'RED', reason: 'OVERDUE' };
  for (const m of input.milestones ?? []) {
    if (m.completedOn) continue;
    if (m.targetProgress !== undefined && (input.latestProgress ?? 0) >= m.targetProgress) continue;
    if (nowMs >= instantMs(endOfDay(m.dueDate))) return { health: 'YELLOW', reason: 'MILESTONE_BEHIND', milestone: m };
  }
  if (due) {
    const n = options.warningDaysBefore ?? DEFAULT_THRESHOLDS.warningDaysBefore;
    const warnFrom = n > 0 ? calendar.subtractWorkingDays(due, n) : due;
    if (compareDates(shanghaiDate(nowMs), warnFrom) >= 0) return { health: 'YELLOW', reason: 'WARNING_WINDOW' };
  }
  return { health: 'GREEN', reason: 'ON_TRACK' };
}

/** Shorthand for `assessHealth(...).health`. */
export function computeHealth(
  input: HealthInput,
  now: Instant | number | Date,
  calendar: WorkingCalendar,
  options: HealthOptions = {},
): Health | null {
  return assessHealth(input, now, calendar, options).health;
}

/**
 * The light the board shows. A task nobody is chasing (a draft, no lead
 * department, or no deadline) is never shown green: it is NONE (未交办 / 无时限)
 * and the office is told it will never be chased. Closed and cancelled: null.
 */
export function displayHealth(task: {
  status: TaskStatus;
  health: Health | null;
  leadDepartmentId: string | null;
  dueDate?: IsoDate | null;
}): Health | 'NONE' | null {
  if (task.status === 'CLOSED' || task.status === 'CANCELLED') return null;
  if (task.status === 'DRAFT' || !task.leadDepartmentId || !task.dueDate) return 'NONE';
  return task.health;
}
