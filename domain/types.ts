// Shared domain types. Dates are calendar days in Asia/Shanghai written
// 'YYYY-MM-DD' (type IsoDate); instants are ISO-8601 UTC strings (type Instant).

import { DEFAULT_ASSESSMENT_RULES, assessmentRules, type AssessmentRules } from './assessment';
import { DEFAULT_ORDER_RULES, type OrderRules } from './orders';
import { DEFAULT_EVIDENCE_RULES, evidenceRules, type EvidenceRules } from './evidence';

/** A calendar day in Asia/Shanghai, 'YYYY-MM-DD'. */
export type IsoDate = string;
/** A point in time, ISO-8601 in UTC, e.g. '2026-02-04T01:00:00.000Z'. */
export type Instant = string;

export type TaskStatus = 'DRAFT' | 'ASSIGNED' | 'IN_PROGRESS' | 'CLOSURE_REQUESTED' | 'CLOSED' | 'CANCELLED';

/** Traffic light (红黄绿灯); BLUE (蓝灯) is ahead of schedule, only under 序时进度. */
export type Health = 'GREEN' | 'YELLOW' | 'RED' | 'BLUE';

export type Role = 'OFFICE' | 'DEPARTMENT' | 'SUPERVISOR' | 'ADMIN';

/** Who a notice goes to; resolved to people by the caller. */
export type NoticeRecipient = 'LEAD_DEPARTMENT' | 'DEPARTMENT_HEAD' | 'OFFICE' | 'SUPERVISOR';

export type NoticeKind = 'ACK_REMINDER' | 'WARNING' | 'LEVEL1' | 'LEVEL2' | 'LEVEL3';

/** Escalation thresholds in working days (all configurable per plan). */
export interface EscalationThresholds {
  /** Reminder when not acknowledged this many working days after assignment. */
  ackReminderDays: number;
  /** Warning (YELLOW) this many working days before the deadline. */
  warningDaysBefore: number;
  /** Level 1 催办 on the N-th working day after the due date (1 = first working day after). */
  level1DaysOverdue: number;
  /** Level 2 督办单 on the N-th working day after the due date. */
  level2DaysOverdue: number;
  /** Level 3 约谈/通报 on the N-th working day after the due date. */
  level3DaysOverdue: number;
}

export const DEFAULT_THRESHOLDS: EscalationThresholds = Object.freeze({
  ackReminderDays: 2,
  warningDaysBefore: 5,
  level1DaysOverdue: 1,
  level2DaysOverdue: 3,
  level3DaysOverdue: 10,
});

/** Local time of day notices fire, 'HH:MM' Asia/Shanghai. */
export const DEFAULT_NOTICE_TIME = '09:00';

/** Weights of the quarterly evaluation score (see rounds.ts). */
export interface ScoreWeights {
  onTimeReports: number;
  onTrack: number;
  completion: number;
  indicators: number;
  /** Points (0..100 scale) subtracted per overdue task share, see rounds.ts. */
  overduePenalty: number;
}

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = Object.freeze({
  onTimeReports: 0.3,
  onTrack: 0.3,
  completion: 0.2,
  indicators: 0.2,
  overduePenalty: 0,
});

/**
 * When a department may ask for more time (per plan). By default there is no
 * limit; an office that sets one gets refusals with the reason in Chinese.
 */
export interface ExtensionRules {
  /** A request must come at least this many working days before the deadline (0: until the deadline ends). */
  minWorkingDaysBefore: number;
  /** At most this many approved extensions per task (0: no limit). */
  maxPerTask: number;
  /** May a task whose closure was returned for rework (整改) still ask for more time? */
  allowAfterReturn: boolean;
}

export const DEFAULT_EXTENSION_RULES: ExtensionRules = Object.freeze({
  minWorkingDaysBefore: 0,
  maxPerTask: 0,
  allowAfterReturn: true,
});

/**
 * How a task's light is judged (per plan). DEADLINE: green until the warning
 * window before the deadline. SCHEDULE (序时进度): reported progress against
 * the progress expected by the share of working days elapsed.
 */
export interface ScheduleRules {
  mode: 'DEADLINE' | 'SCHEDULE';
  /** YELLOW when behind expected progress by more than this many points. */
  yellowBehind: number;
  /** RED when behind by more than this many points. */
  redBehind: number;
  /** BLUE (ahead) when ahead by at least this many points. */
  aheadBy: number;
  /** A 督办单 is raised by itself after this many yellow weeks in a row (0: never). */
  escalateAfterYellowWeeks: number;
}

export const DEFAULT_SCHEDULE_RULES: ScheduleRules = Object.freeze({
  mode: 'DEADLINE',
  yellowBehind: 10,
  redBehind: 30,
  aheadBy: 10,
  escalateAfterYellowWeeks: 2,
});

/** Quarterly report due this many working days after the quarter's last day, unless the plan says. */
export const DEFAULT_REPORT_DUE_WORKING_DAYS = 5;

/** Per-plan settings (ADMIN edits them). */
export interface PlanSettings {
  thresholds: EscalationThresholds;
  /** Quarterly report due this many working days after the quarter's last day. */
  reportDueWorkingDays: number;
  noticeTime: string;
  scoreWeights: ScoreWeights;
  extensionRules: ExtensionRules;
  schedule: ScheduleRules;
  /** 督办单: number format, reply time, issuer (domain/orders.ts). */
  orders: OrderRules;
  /** How a round scores departments (domain/assessment.ts). */
  assessment: AssessmentRules;
  /** 佐证材料: file size, count and types, and whether closure needs evidence (domain/evidence.ts). */
  evidence: EvidenceRules;
}

export const DEFAULT_PLAN_SETTINGS: PlanSettings = Object.freeze({
  thresholds: DEFAULT_THRESHOLDS,
  reportDueWorkingDays: DEFAULT_REPORT_DUE_WORKING_DAYS,
  noticeTime: DEFAULT_NOTICE_TIME,
  scoreWeights: DEFAULT_SCORE_WEIGHTS,
  extensionRules: DEFAULT_EXTENSION_RULES,
  schedule: DEFAULT_SCHEDULE_RULES,
  orders: DEFAULT_ORDER_RULES,
  assessment: DEFAULT_ASSESSMENT_RULES,
  evidence: DEFAULT_EVIDENCE_RULES,
});

/** Merge partial settings over the defaults. */
export function planSettings(
  partial: Partial<
    Omit<
      PlanSettings,
      'thresholds' | 'scoreWeights' | 'extensionRules' | 'schedule' | 'orders' | 'assessment' | 'evidence'
    >
  > & {
    evidence?: Partial<EvidenceRules>;
    orders?: Partial<OrderRules>;
    assessment?: Parameters<typeof assessmentRules>[0];
    thresholds?: Partial<EscalationThresholds>;
    schedule?: Partial<ScheduleRules>;
    scoreWeights?: Partial<ScoreWeights>;
    extensionRules?: Partial<ExtensionRules>;
  } = {},
): PlanSettings {
  return {
    ...DEFAULT_PLAN_SETTINGS,
    ...partial,
    thresholds: { ...DEFAULT_THRESHOLDS, ...(partial.thresholds ?? {}) },
    scoreWeights: { ...DEFAULT_SCORE_WEIGHTS, ...(partial.scoreWeights ?? {}) },
    extensionRules: { ...DEFAULT_EXTENSION_RULES, ...(partial.extensionRules ?? {}) },
    schedule: { ...DEFAULT_SCHEDULE_RULES, ...(partial.schedule ?? {}) },
    orders: { ...DEFAULT_ORDER_RULES, ...(partial.orders ?? {}) },
    assessment: assessmentRules(partial.assessment ?? {}),
    evidence: evidenceRules(partial.evidence),
  };
}

/** An intermediate date with optional expected progress (时间节点). */
export interface Milestone {
  id?: string;
  title?: string;
  dueDate: IsoDate;
  /** Day it was reached; null/undefined while pending. */
  completedOn?: IsoDate | null;
  /** Progress (0..100) expected by dueDate; reaching it counts as met. */
  targetProgress?: number;
}

export type Comparator = '>=' | '<=' | '=' | '>' | '<' | '~' | 'range';

export type Recurrence = 'weekly' | 'monthly' | 'quarterly' | 'annual' | 'biennial';
