// Quarterly supervision rounds (季度督查) and their evaluation (考核 / 排名).
//
// A round for quarter Q opens at 09:00 on the first working day after Q's
// last day; lead departments owe a report by the end of the N-th working day
// after Q's last day (default 5): Q3 2026 opens 2026-10-08, due 2026-10-13.
// The same escalation ladder chases late reports: call planEscalation with
// { subject: 'REPORT', assignedOn: opensOn, dueDate: reportDueOn, status: 'ASSIGNED' }.
//
// Evaluation score (0..100), per department, weights configurable per plan
// (types.ts DEFAULT_SCORE_WEIGHTS: 0.3 / 0.3 / 0.2 / 0.2, penalty 0):
//
//   score = 100 * Σ w_i * c_i / Σ w_i   over the components that apply
//           − overduePenalty * overdueShare * 100
//   clamped to [0, 100], rounded to one decimal.
//
//   c_onTimeReports = reports submitted on time / reports due
//   c_onTrack       = GREEN open tasks / open tasks
//   c_completion    = tasks completed (CLOSED) / tasks led (excluding CANCELLED)
//   c_indicators    = mean attainment of the department's indicators, each
//                     clamped to [0, 1] (see indicatorAttainment)
// A component whose denominator is 0 (e.g. no indicators) does not apply, and
// its weight is left out of Σ w_i, so a department is not punished for what it
// was not asked. A department with no applicable component has score null and
// is ranked last. Ranking is by score, descending; equal scores share a rank
// and the next rank skips (1, 1, 3: "competition ranking").

import {
  scoreByPoints,
  type AssessmentEvent,
  type AssessmentRules,
  type ScoreLine,
  type WeightedComponent,
} from './assessment';
import { instantMs, lastDayOfMonth, shanghaiInstant, endOfDay, type WorkingCalendar } from './calendar';
import {
  DEFAULT_NOTICE_TIME,
  DEFAULT_REPORT_DUE_WORKING_DAYS,
  DEFAULT_SCORE_WEIGHTS,
  type Comparator,
  type Health,
  type Instant,
  type IsoDate,
  type ScoreWeights,
  type TaskStatus,
} from './types';

export type QuarterNumber = 1 | 2 | 3 | 4;

export interface Quarter {
  year: number;
  quarter: QuarterNumber;
}

export function quarterOf(date: IsoDate): Quarter {
  const month = Number(date.slice(5, 7));
  return { year: Number(date.slice(0, 4)), quarter: (Math.floor((month - 1) / 3) + 1) as QuarterNumber };
}

export function quarterFirstDay(q: Quarter): IsoDate {
  return `${q.year}-${String((q.quarter - 1) * 3 + 1).padStart(2, '0')}-01`;
}

export function quarterLastDay(q: Quarter): IsoDate {
  return lastDayOfMonth(q.year, q.quarter * 3);
}

export function nextQuarter(q: Quarter): Quarter {
  return q.quarter === 4
    ? { year: q.year + 1, quarter: 1 }
    : { year: q.year, quarter: (q.quarter + 1) as QuarterNumber };
}

export function previousQuarter(q: Quarter): Quarter {
  return q.quarter === 1
    ? { year: q.year - 1, quarter: 4 }
    : { year: q.year, quarter: (q.quarter - 1) as QuarterNumber };
}

/** '2026Q3' */
function quarterLabel(q: Quarter): string {
  return `${q.year}Q${q.quarter}`;
}

export function parseQuarterLabel(label: string): Quarter {
  const m = /^(\d{4})Q([1-4])$/.exec(label);
  if (!m) throw new RangeError(`invalid quarter '${label}', expected e.g. 2026Q3`);
  return { year: Number(m[1]), quarter: Number(m[2]) as QuarterNumber };
}

export interface RoundSchedule {
  quarter: Quarter;
  label: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** First working day after the quarter. */
  opensOn: IsoDate;
  /** 09:00 Asia/Shanghai on opensOn. */
  opensAt: Instant;
  /** Reports due by the end of this day. */
  reportDueOn: IsoDate;
  /** End of reportDueOn (exclusive instant). A report is on time if submitted before it. */
  reportDueAt: Instant;
}

export function roundSchedule(
  q: Quarter,
  calendar: WorkingCalendar,
  options: { reportDueWorkingDays?: number; noticeTime?: string } = {},
): RoundSchedule {
  const periodEnd = quarterLastDay(q);
  const opensOn = calendar.nextWorkingDayAfter(periodEnd);
  const reportDueOn = calendar.addWorkingDays(
    periodEnd,
    options.reportDueWorkingDays ?? DEFAULT_REPORT_DUE_WORKING_DAYS,
  );
  return {
    quarter: q,
    label: quarterLabel(q),
    periodStart: quarterFirstDay(q),
    periodEnd,
    opensOn,
    opensAt: shanghaiInstant(opensOn, options.noticeTime ?? DEFAULT_NOTICE_TIME),
    reportDueOn,
    reportDueAt: endOfDay(reportDueOn),
  };
}

/** The most recent quarter whose round has opened at `now`, given the calendar. */
export function latestOpenedQuarter(now: Instant | number | Date, calendar: WorkingCalendar): Quarter {
  const nowMs = instantMs(now);
  const iso = new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10);
  let q = previousQuarter(quarterOf(iso));
  // The previous quarter's round opens early in this quarter; before that, it is the one before.
  if (instantMs(roundSchedule(q, calendar).opensAt) > nowMs) q = previousQuarter(q);
  return q;
}

// ---------------------------------------------------------------- evaluation

export interface RoundReport {
  taskId: string;
  department: string;
  /** When the report was submitted; null/undefined = not submitted. */
  submittedAt?: Instant | null;
  /** Override of the round's due instant for this report (e.g. after an extension). */
  dueAt?: Instant;
}

export interface IndicatorSnapshot {
  target: number | null;
  actual: number | null;
  comparator?: Comparator | null;
  /** Upper bound for 'range'. */
  targetMax?: number | null;
}

export interface RoundTaskSnapshot {
  taskId: string;
  leadDepartment: string | null;
  status: TaskStatus;
  /** Health at round close; null for closed/cancelled. */
  health: Health | null;
  indicators?: readonly IndicatorSnapshot[];
}

export interface DepartmentEvaluation {
  department: string;
  reportsDue: number;
  reportsOnTime: number;
  reportsLate: number;
  reportsMissing: number;
  onTimeRate: number | null;
  tasks: number;
  onTrack: number;
  atRisk: number;
  overdue: number;
  completed: number;
  indicatorCount: number;
  indicatorAttainment: number | null;
  score: number | null;
  rank: number;
  /** How the score was reached, line by line (domain/assessment.ts); the lines sum to the score. */
  lines: ScoreLine[];
}

export interface RoundEvaluation {
  departments: DepartmentEvaluation[];
  weights: ScoreWeights;
  /** The POINTS rules, when the plan scores by points (frozen with the round). */
  assessment?: AssessmentRules;
}

/**
 * Attainment of one indicator in [0, 1], or null when it cannot be measured
 * (no target or no actual value). '>=', '>', '~', '=' and 'range' reward
 * reaching the (lower) target; '<=' and '<' reward staying under it.
 */
export function indicatorAttainment(ind: IndicatorSnapshot): number | null {
  const { target, actual } = ind;
  if (target === null || target === undefined || actual === null || actual === undefined) return null;
  const clamp = (x: number) => Math.max(0, Math.min(1, x));
  switch (ind.comparator ?? '>=') {
    case '<=':
    case '<':
      if (actual <= target) return 1;
      return actual === 0 ? 0 : clamp(target / actual);
    case '=':
    case '~':
      if (target === 0) return actual === 0 ? 1 : 0;
      return clamp(1 - Math.abs(actual - target) / Math.abs(target));
    default:
      if (target === 0) return 1;
      return clamp(actual / target);
  }
}

export function evaluateRound(input: {
  schedule: Pick<RoundSchedule, 'reportDueAt'>;
  reports: readonly RoundReport[];
  tasks: readonly RoundTaskSnapshot[];
  /** Departments to rank even when they have nothing in the round. */
  departments?: readonly string[];
  weights?: Partial<ScoreWeights>;
  /** Score by points instead of weights (mode POINTS), from these events. */
  assessment?: AssessmentRules;
  events?: readonly AssessmentEvent[];
}): RoundEvaluation {
  const weights: ScoreWeights = { ...DEFAULT_SCORE_WEIGHTS, ...(input.weights ?? {}) };
  const rows = new Map<string, DepartmentEvaluation & { attainSum: number }>();
  const row = (department: string) => {
    let r = rows.get(department);
    if (!r) {
      r = {
        department,
        reportsDue: 0,
        reportsOnTime: 0,
        reportsLate: 0,
        reportsMissing: 0,
        onTimeRate: null,
        tasks: 0,
        onTrack: 0,
        atRisk: 0,
        overdue: 0,
        completed: 0,
        indicatorCount: 0,
        indicatorAttainment: null,
        score: null,
        rank: 0,
        lines: [],
        attainSum: 0,
      };
      rows.set(department, r);
    }
    return r;
  };
  for (const d of input.departments ?? []) row(d);
  // Under POINTS a cooperating department is scored by its events even when it leads nothing.
  if (input.assessment?.mode === 'POINTS') for (const e of input.events ?? []) row(e.department);

  for (const rep of input.reports) {
    const r = row(rep.department);
    r.reportsDue++;
    const dueMs = instantMs(rep.dueAt ?? input.schedule.reportDueAt);
    if (!rep.submittedAt) r.reportsMissing++;
    else if (instantMs(rep.submittedAt) < dueMs) r.reportsOnTime++;
    else r.reportsLate++;
  }

  for (const t of input.tasks) {
    if (!t.leadDepartment || t.status === 'CANCELLED') continue;
    const r = row(t.leadDepartment);
    r.tasks++;
    if (t.status === 'CLOSED') r.completed++;
    else if (t.health === 'RED') r.overdue++;
    else if (t.health === 'YELLOW') r.atRisk++;
    else r.onTrack++;
    for (const ind of t.indicators ?? []) {
      const a = indicatorAttainment(ind);
      if (a === null) continue;
      r.indicatorCount++;
      r.attainSum += a;
    }
  }

  const out: DepartmentEvaluation[] = [];
  for (const r of rows.values()) {
    const { attainSum, ...e } = r;
    e.onTimeRate = e.reportsDue ? e.reportsOnTime / e.reportsDue : null;
    e.indicatorAttainment = e.indicatorCount ? attainSum / e.indicatorCount : null;
    const open = e.tasks - e.completed;
    const parts: Array<[number, number | null]> = [
      [weights.onTimeReports, e.onTimeRate],
      [weights.onTrack, open ? e.onTrack / open : null],
      [weights.completion, e.tasks ? e.completed / e.tasks : null],
      [weights.indicators, e.indicatorAttainment],
    ];
    let wSum = 0;
    let acc = 0;
    for (const [w, c] of parts) {
      if (c === null || w <= 0) continue;
      wSum += w;
      acc += w * c;
    }
    if (wSum > 0) {
      const penalty = weights.overduePenalty * (e.tasks ? e.overdue / e.tasks : 0) * 100;
      e.score = Math.round(Math.max(0, Math.min(100, (100 * acc) / wSum - penalty)) * 10) / 10;
      const names: WeightedComponent[] = ['onTimeReports', 'onTrack', 'completion', 'indicators'];
      parts.forEach(([w, c], i) => {
        if (c === null || w <= 0) return;
        e.lines.push({ rule: names[i]!, value: c, weight: w / wSum, points: 100, total: round2((100 * w * c) / wSum) });
      });
      if (penalty > 0)
        e.lines.push({
          rule: 'overduePenalty',
          points: -weights.overduePenalty * 100,
          value: e.tasks ? e.overdue / e.tasks : 0,
          total: round2(-penalty),
        });
      const sum = round2(e.lines.reduce((s, l) => s + l.total, 0));
      if (sum !== e.score) e.lines.push({ rule: 'clamp', points: e.score, total: round2(e.score - sum) });
    }
    out.push(e);
  }

  if (input.assessment?.mode === 'POINTS') {
    const scored = new Map(
      scoreByPoints(
        input.assessment,
        input.events ?? [],
        out.map((e) => e.department),
      ).map((p) => [p.department, p]),
    );
    for (const e of out) {
      const p = scored.get(e.department)!;
      e.score = p.score;
      e.lines = p.lines;
    }
  }

  out.sort((a, b) => {
    if (a.score === b.score) return a.department < b.department ? -1 : a.department > b.department ? 1 : 0;
    if (a.score === null) return 1;
    if (b.score === null) return -1;
    return b.score - a.score;
  });
  out.forEach((e, i) => {
    e.rank = i > 0 && out[i - 1].score === e.score ? out[i - 1].rank : i + 1;
  });
  return {
    departments: out,
    weights,
    ...(input.assessment?.mode === 'POINTS' ? { assessment: input.assessment } : {}),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
