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
//
// Under 序时进度 (ScheduleRules.mode = 'SCHEDULE') the light compares the
// reported progress with the expected progress (expectedProgress below):
//   RED     overdue, or behind by more than redBehind points;
//   YELLOW  behind by more than yellowBehind points, or a milestone missed;
//   BLUE    ahead by at least aheadBy points;
//   GREEN   otherwise.
// A red light never jumps back in one report: a task that was RED for being
// behind stays RED until its progress has caught up with the expected
// progress, and then shows YELLOW once (the next evaluation may turn it green).

import {
  addCalendarDays,
  compareDates,
  dayOfWeek,
  endOfDay,
  fromDayNumber,
  instantMs,
  shanghaiDate,
  toDayNumber,
  type WorkingCalendar,
} from './calendar';
import {
  DEFAULT_SCHEDULE_RULES,
  DEFAULT_THRESHOLDS,
  type Health,
  type Instant,
  type IsoDate,
  type Milestone,
  type ScheduleRules,
  type TaskStatus,
} from './types';

export interface HealthInput {
  status: TaskStatus;
  dueDate?: IsoDate | null;
  milestones?: readonly Milestone[];
  /** Latest reported progress, 0..100. */
  latestProgress?: number | null;
  /** The day the task was handed over (交办): the start of its schedule. */
  assignedOn?: IsoDate | null;
  /** The light shown before this evaluation, why, and since which day (for the red → yellow rule). */
  previous?: PreviousLight | null;
}

export interface PreviousLight {
  health: Health | null;
  reason?: HealthReason;
  since?: IsoDate;
}

export interface HealthOptions {
  warningDaysBefore?: number;
  schedule?: Partial<ScheduleRules>;
}

export type HealthReason =
  | 'OVERDUE'
  | 'WARNING_WINDOW'
  | 'MILESTONE_BEHIND'
  | 'BEHIND_SCHEDULE'
  | 'CATCHING_UP'
  | 'CAUGHT_UP'
  | 'AHEAD'
  | 'ON_TRACK'
  | 'NOT_OPEN';

export interface HealthResult {
  health: Health | null;
  reason: HealthReason;
  /** The missed milestone, when reason is MILESTONE_BEHIND. */
  milestone?: Milestone;
  /** 序时进度: the progress expected today (0..100), under SCHEDULE rules. */
  expected?: number;
}

const dayBefore = (d: IsoDate) => addCalendarDays(d, -1);

/**
 * 序时进度: the progress (0..100, one decimal) a task should have reached at
 * the start of `today`: the share of working days elapsed between its anchors.
 * Anchors are the day it was assigned (0%), each milestone with a
 * targetProgress (that value, due at the end of its day) and the deadline
 * (100%, due at the end of its day). Working days elapsed are those from the
 * earlier anchor's day up to yesterday; holidays and 调休 follow the calendar.
 * Null when the task has no assignment day or no deadline.
 */
export function expectedProgress(
  task: { assignedOn?: IsoDate | null; dueDate?: IsoDate | null; milestones?: readonly Milestone[] },
  today: IsoDate,
  calendar: WorkingCalendar,
): number | null {
  const { assignedOn, dueDate } = task;
  if (!assignedOn || !dueDate || compareDates(dueDate, assignedOn) < 0) return null;
  const anchors: { date: IsoDate; progress: number }[] = [
    ...(task.milestones ?? [])
      .filter(
        (m) =>
          m.targetProgress !== undefined &&
          compareDates(m.dueDate, assignedOn) >= 0 &&
          compareDates(m.dueDate, dueDate) < 0 &&
          m.targetProgress > 0 &&
          m.targetProgress < 100,
      )
      .map((m) => ({ date: m.dueDate, progress: m.targetProgress! }))
      .sort((a, b) => compareDates(a.date, b.date)),
    { date: dueDate, progress: 100 },
  ];
  let from = { date: dayBefore(assignedOn), progress: 0 };
  for (const to of anchors) {
    if (to.progress < from.progress) continue;
    if (compareDates(today, to.date) > 0) {
      from = to;
      continue;
    }
    const total = calendar.workingDaysBetween(from.date, to.date);
    const elapsed = Math.max(0, calendar.workingDaysBetween(from.date, dayBefore(today)));
    const share = total > 0 ? Math.min(1, elapsed / total) : 0;
    return Math.round((from.progress + (to.progress - from.progress) * share) * 10) / 10;
  }
  return 100;
}

/** The Monday (Asia/Shanghai) of the week a day falls in: weeks are the periods of the two-yellow rule. */
export function weekStart(day: IsoDate): IsoDate {
  const dow = dayOfWeek(day); // 0 = Sunday
  return fromDayNumber(toDayNumber(day) - ((dow + 6) % 7));
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
  const rules = { ...DEFAULT_SCHEDULE_RULES, ...(options.schedule ?? {}) };
  if (rules.mode === 'SCHEDULE') return scheduleHealth(input, shanghaiDate(nowMs), calendar, rules);
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

function scheduleHealth(
  input: HealthInput,
  today: IsoDate,
  calendar: WorkingCalendar,
  rules: ScheduleRules,
): HealthResult {
  const expected = expectedProgress(input, today, calendar);
  if (expected === null) return { health: 'GREEN', reason: 'ON_TRACK' };
  const actual = input.latestProgress ?? 0;
  const behind = expected - actual;
  const missed = (input.milestones ?? []).find(
    (m) =>
      !m.completedOn &&
      !(m.targetProgress !== undefined && actual >= m.targetProgress) &&
      compareDates(today, m.dueDate) > 0 &&
      !(input.assignedOn && compareDates(m.dueDate, input.assignedOn) < 0),
  );
  if (behind > rules.redBehind) return { health: 'RED', reason: 'BEHIND_SCHEDULE', expected };
  // Red stays red until the task has caught up with its schedule, then shows yellow for the rest of that day.
  const prev = input.previous;
  if (prev?.health === 'RED' && prev.reason !== 'OVERDUE') {
    if (behind > 0) return { health: 'RED', reason: 'CATCHING_UP', expected };
    return { health: 'YELLOW', reason: 'CAUGHT_UP', expected };
  }
  if (prev?.reason === 'CAUGHT_UP' && prev.since === today && behind <= 0) {
    return { health: 'YELLOW', reason: 'CAUGHT_UP', expected };
  }
  if (behind > rules.yellowBehind) return { health: 'YELLOW', reason: 'BEHIND_SCHEDULE', expected };
  if (missed) return { health: 'YELLOW', reason: 'MILESTONE_BEHIND', milestone: missed, expected };
  if (-behind >= rules.aheadBy) return { health: 'BLUE', reason: 'AHEAD', expected };
  return { health: 'GREEN', reason: 'ON_TRACK', expected };
}

/**
 * The next start of a day (Asia/Shanghai, as ms) after `now` at which the light
 * would change with no new report, scanning at most `horizonDays` ahead: the
 * task's durable timer for 序时进度 (no polling). Null when it never changes.
 */
export function nextHealthChange(
  input: HealthInput,
  now: Instant | number | Date,
  calendar: WorkingCalendar,
  options: HealthOptions = {},
  horizonDays = 400,
): number | null {
  const nowMs = instantMs(now);
  const today = shanghaiDate(nowMs);
  const now_ = assessHealth(input, nowMs, calendar, options);
  const current = now_.health;
  if (current === null) return null;
  const previous: PreviousLight = {
    health: current,
    reason: now_.reason,
    since: input.previous?.health === current && input.previous.since ? input.previous.since : today,
  };
  let day = today;
  for (let i = 0; i < horizonDays; i++) {
    day = addCalendarDays(day, 1);
    const at = instantMs(endOfDay(addCalendarDays(day, -1)));
    const h = assessHealth({ ...input, previous }, at, calendar, options).health;
    if (h !== current) return at;
    if (input.dueDate && compareDates(day, input.dueDate) > 0) return null;
  }
  return null;
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
