/**
 * The activities workflows may call. Workflows import this file with
 * `import type` only: the implementations (all I/O) never enter the
 * deterministic workflow bundle.
 */
import type { OrderRules } from '../domain/orders';
import type { DayOverride } from '../domain/calendar';
import type { ResponsibilityRules } from '../domain/responsibility';
import type { EscalationThresholds, ExtensionRules, Health, IsoDate, Milestone, ScheduleRules } from '../domain/types';
import type {
  IndicatorActualInput,
  NoticeToSend,
  OpenOrder,
  ResponsibilityView,
  TaskEventRecord,
  TaskSnapshot,
} from '../workflows/types';

export interface ProjectTaskInput {
  task: TaskSnapshot & {
    health: Health | null;
    milestones: Milestone[];
    title: string;
    planId: string;
    /** The workflow's history length when it projected (traced; `order` decides). */
    attempt?: number;
    /** 报送频次 as the workflow holds it (undefined: not tracked by this workflow). */
    reportCadence?: string | null;
    /** The 督办单 the workflow holds open: the register rows follow them. */
    orders?: OpenOrder[];
    /** 退单, 挂起, 回头看 as the workflow holds them (undefined: not tracked by this workflow). */
    responsibility?: ResponsibilityView;
    /**
     * Which execution of the workflow projected: fixed-width "run start.history length.task time",
     * compared as text. A later execution wins at any seq; within one, the later seq wins.
     */
    order?: string;
  };
  event: TaskEventRecord;
  /** A re-projection of the current state (same seq, later execution): no event of its own. */
  resync?: boolean;
  extra?: {
    cooperatingDepartmentIds?: string[];
    milestones?: Milestone[];
    cancelReason?: string;
    report?: {
      id: string;
      kind: 'REPORT' | 'CONTRIBUTION';
      departmentId: string;
      authorId: string;
      progress: number;
      narrative: string;
      problems?: string;
      nextSteps?: string;
      actuals: IndicatorActualInput[];
      /** 报送频次: the period this report settled, and whether in time. */
      dueOn?: IsoDate;
      onTime?: boolean;
      /** 佐证材料 attached to this report (Evidence ids; the row's reportId is set). */
      evidenceIds?: string[];
    };
    extension?: {
      id: string;
      requestedBy: string;
      requestedDueDate: IsoDate;
      reason: string;
      at: string;
      currentDueDate: IsoDate | null;
      status: 'PENDING' | 'APPROVED' | 'REJECTED';
      decidedBy?: string;
      decidedAt?: string;
      decisionReason?: string;
    };
    closure?: {
      id: string;
      requestedBy: string;
      summary: string;
      at: string;
      status: 'PENDING' | 'APPROVED' | 'RETURNED';
      reviewerId?: string;
      reason?: string;
      decidedAt?: string;
      /** 佐证材料 attached to the request (Evidence ids; the row's closureId is set). */
      evidenceIds?: string[];
      /** The office's checklist when it approved (事实清楚, 问题解决, 资料齐全). */
      checklist?: { factsClear: boolean; problemSolved: boolean; materialsComplete: boolean };
    };
    instruction?: { id: string; authorId: string; text: string };
    order?: { id: string; status: 'REPLIED' | 'CLOSED'; text?: string; by: string };
  };
}

export interface CalendarData {
  overrides: DayOverride[];
  officialYears: number[];
}

export interface PlanTimingSettings {
  thresholds: Partial<EscalationThresholds>;
  noticeTime?: string;
  extensionRules?: Partial<ExtensionRules>;
  schedule?: Partial<ScheduleRules>;
  orders?: Partial<OrderRules>;
  /** 退单, 挂起, 回头看 (domain/responsibility.ts). */
  responsibility?: Partial<ResponsibilityRules>;
  /** 佐证材料: whether a closure request must attach evidence. */
  evidence?: { requiredForClosure?: boolean };
}

/** A plan's settings as a task's workflow takes them (loadPlanSettings, or the starter's ReformTaskInput.startWith). */
export type PlanSettings = PlanTimingSettings & { reportDueWorkingDays: number };

export interface DeliveryResult {
  notifications: number;
  emails: number;
  webhooks: number;
}

export interface OpenRoundInput {
  planId: string;
  year: number;
  quarter: number;
  opensAt: string;
  reportDueDate: IsoDate;
}

export interface RoundProgress {
  roundId: string;
  /** Open tasks whose lead department has not reported since the round opened, by department. */
  missing: { departmentId: string; taskIds: string[] }[];
}

export interface DubanActivities {
  projectTask(input: ProjectTaskInput): Promise<void>;
  deliverNotice(notice: NoticeToSend): Promise<DeliveryResult>;
  loadCalendar(): Promise<CalendarData>;
  loadPlanSettings(planId: string): Promise<PlanSettings>;
  openRound(input: OpenRoundInput): Promise<{ roundId: string; taskCount: number }>;
  roundProgress(roundId: string): Promise<RoundProgress>;
  closeRound(roundId: string): Promise<{ departments: number }>;
}
