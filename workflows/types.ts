/**
 * The shapes that cross the workflow boundary: commands (Update arguments),
 * the task snapshot (query result and projection), and notices. Plain data
 * only: the API, activities and workflows all import these.
 */
import type { CalendarData, PlanSettings } from '../activities/types';
import type { DayOverride } from '../domain/calendar';
import type { PreviousLight } from '../domain/health';
import type { OrderRules } from '../domain/orders';
import type { ReportPeriod } from '../domain/cadence';
import type { ResponsibilityRules } from '../domain/responsibility';
import type {
  EscalationThresholds,
  ExtensionRules,
  Instant,
  IsoDate,
  Milestone,
  NoticeKind,
  NoticeRecipient,
  Role,
  ScheduleRules,
  TaskStatus,
} from '../domain/types';

export type { TaskStatus, Role };

/** Who is acting: every command carries it, and the workflow checks it against the roles in docs/domain.md (domain/access.ts). */
export interface Actor {
  userId: string;
  role: Role;
  /** Set for DEPARTMENT users. */
  departmentId?: string | null;
  /**
   * 代理: the user this actor acts for (a delegation in force, api/). The
   * timeline and exports show "王五 代 张三"; the workflow records it on the event.
   */
  onBehalfOf?: { userId: string; displayName?: string } | null;
}

export interface IndicatorRef {
  id: string;
  text: string;
}

/** The calendar and a plan's settings as the settings activities return them. */
export interface StartReads {
  calendar: CalendarData;
  settings: PlanSettings;
}

export interface ReformTaskInput {
  taskId: string;
  planId: string;
  title: string;
  /** Where the plan's supervision workflow runs, to tell it about reports. */
  leadDepartmentId?: string | null;
  cooperatingDepartmentIds?: string[];
  dueDate?: IsoDate | null;
  milestones?: Milestone[];
  indicators?: IndicatorRef[];
  /** Per-plan escalation thresholds and notice time (defaults from domain/types). */
  thresholds?: Partial<EscalationThresholds>;
  noticeTime?: string;
  extensionRules?: Partial<ExtensionRules>;
  /** How the light is judged (序时进度 or the deadline's warning window). */
  schedule?: Partial<ScheduleRules>;
  /** 报送频次 ('WEEKLY:5', 'MONTHLY:5'; domain/cadence.ts), from the plan text. */
  reportCadence?: string | null;
  /** Who created the task (the importer, an office user). */
  createdBy?: Actor;
  /**
   * What a new task's workflow would otherwise read first with two activities
   * (the working-day calendar, its plan's settings), read by the starter just
   * before the start (services/plans.ts startReads): two workflow tasks and
   * two activity tasks fewer per task. Without it the workflow reads them itself.
   */
  startWith?: StartReads;
  /** When the workflow continues as new, the state it carries. */
  carried?: TaskState;
  /** Continue as new past this many history events (default 2,000; tests lower it). */
  historyLimit?: number;
}

export interface PendingExtension {
  id: string;
  requestedBy: string;
  requestedDueDate: IsoDate;
  reason: string;
  at: Instant;
}

export interface PendingClosure {
  id: string;
  requestedBy: string;
  summary: string;
  at: Instant;
  evidenceIds?: string[];
}

/** 退单: the lead department said "not ours"; the office decides by `decideBy` or supervisors hear of it. */
export interface TaskDispute {
  id: string;
  by: string;
  departmentId: string | null;
  reason: string;
  at: Instant;
  raisedOn: IsoDate;
  decideBy: IsoDate;
  escalated?: boolean;
}

/** 挂起: asked for (pendingPause) and in force (pause); `until` is the day work resumes by itself. */
export interface PauseRequest {
  id: string;
  requestedBy: string;
  reason: string;
  until: IsoDate | null;
  at: Instant;
}
export interface PauseInForce {
  id: string;
  since: IsoDate;
  until: IsoDate | null;
  reason: string;
  approvedBy: string;
}

/** What the read model shows of 退单, 挂起 and 回头看 (Task.responsibility, JSON). */
export interface ResponsibilityView {
  dispute: TaskDispute | null;
  pendingPause: PauseRequest | null;
  pause: PauseInForce | null;
  pausedWorkingDays: number;
  closedOn: IsoDate | null;
  reopenUntil: IsoDate | null;
  reopened: number;
}

/** Everything the task workflow knows; carried across continue-as-new. */
export interface TaskState {
  taskId: string;
  planId: string;
  title: string;
  status: TaskStatus;
  leadDepartmentId: string | null;
  cooperatingDepartmentIds: string[];
  dueDate: IsoDate | null;
  milestones: Milestone[];
  indicators: IndicatorRef[];
  assignedOn: IsoDate | null;
  acknowledgedOn: IsoDate | null;
  progress: number;
  escalationLevel: 0 | 1 | 2 | 3;
  thresholds: Partial<EscalationThresholds>;
  noticeTime?: string;
  extensionRules?: Partial<ExtensionRules>;
  schedule?: Partial<ScheduleRules>;
  /** The light as last evaluated, why, and since which day (序时进度's red → yellow rule). */
  light?: PreviousLight;
  /** 序时进度: the Monday of the week last looked at, and whether this yellow streak raised a 督办单. */
  weekMark?: IsoDate;
  lagRaised?: boolean;
  /** 报送频次 and the oldest period whose report is still owed (domain/cadence.ts). */
  cadence?: string | null;
  period?: ReportPeriod | null;
  /** 督办单 issued on this task and not yet closed (domain/orders.ts). */
  orders?: OpenOrder[];
  orderRules?: Partial<OrderRules>;
  /** Extensions approved so far (the plan may cap them). */
  extensionsApproved?: number;
  /** Closure requests returned for rework (the plan may refuse extensions after one). */
  returnedClosures?: number;
  /** 退单, 挂起, 回头看 (workflows/taskResponsibility.ts) and their plan rules. */
  dispute?: TaskDispute | null;
  pendingPause?: PauseRequest | null;
  pause?: PauseInForce | null;
  /** Working days paused so far: the deadline moved by them, expected progress skips them. */
  pausedDays?: number;
  closedOn?: IsoDate | null;
  reopenUntil?: IsoDate | null;
  reopened?: number;
  responsibilityRules?: Partial<ResponsibilityRules>;
  evidenceRules?: { requiredForClosure?: boolean };
  pendingExtension: PendingExtension | null;
  pendingClosure: PendingClosure | null;
  /** Keys of ladder notices already sent (never sent twice). */
  sentNotices: string[];
  /** Monotonic version of the projection: the read model ignores older writes. */
  seq: number;
  calendar: { overrides: DayOverride[]; officialYears: number[] };
  /** The latest changes, newest last (bounded; the full timeline is in the read model). */
  recent?: HistoryEntry[];
}

export interface OpenOrder {
  id: string;
  status: 'ISSUED' | 'REPLIED';
}

/** One line of the history summary query. */
export interface HistoryEntry {
  at: Instant;
  kind: string;
  by?: string;
  role?: Role;
  status: TaskStatus;
}

/** A change the workflow made: projected into TaskEvent (the timeline). */
export interface TaskEventRecord {
  id: string;
  at: Instant;
  kind: string;
  actor?: Actor;
  fromStatus?: TaskStatus;
  toStatus?: TaskStatus;
  reason?: string;
  data?: Record<string, unknown>;
}

export interface NoticeToSend {
  /** Idempotency key: the same notice is delivered once, however often the activity is retried. */
  key: string;
  taskId?: string;
  roundId?: string;
  planId: string;
  kind:
    | NoticeKind
    | 'MANUAL'
    | 'LAGGING'
    | 'REPORT_DUE'
    | 'INSTRUCTION'
    | 'REPORT_REMINDER'
    | 'REPORT_LATE'
    | 'DISPUTED'
    | 'DISPUTE_DECIDED'
    | 'DISPUTE_OVERDUE'
    | 'PAUSE_ENDED'
    | 'REOPENED';
  level: 0 | 1 | 2 | 3;
  fireAt: Instant;
  recipients: NoticeRecipient[];
  departmentIds: string[];
  title: string;
  dueDate?: IsoDate | null;
  reason?: string;
  /** A periodic report's due date, when the notice chases one (报送频次). */
  reportDue?: IsoDate;
  /** A formal notice (督办单): the register gives it a number; the reply is due by this day. */
  order?: { replyBy: IsoDate };
}

/** A planned notice as queries and previews show it. */
export interface PlannedNotice {
  key: string;
  kind: NoticeKind;
  level: number;
  date: IsoDate;
  fireAt: Instant;
  recipients: NoticeRecipient[];
  milestone?: string;
}

// ─── commands ───────────────────────────────────────────────────────────────

export interface AssignCommand {
  actor: Actor;
  leadDepartmentId: string;
  cooperatingDepartmentIds?: string[];
  dueDate?: IsoDate | null;
  milestones?: Milestone[];
  reason?: string;
  /** 报送频次: a code ('MONTHLY:5'), '' for none, absent to keep it. */
  reportCadence?: string;
  /**
   * Taking over a task from an existing ledger (台账): the day it was really
   * handed over and acknowledged. Only on first assignment; the ladder then
   * catches up (notices that fell due since are sent at once).
   */
  assignedOn?: IsoDate;
  acknowledgedOn?: IsoDate;
}
export interface ActorOnly {
  actor: Actor;
}
export interface IndicatorActualInput {
  indicatorId: string;
  value: number;
}
export interface ReportCommand {
  actor: Actor;
  progress: number;
  narrative: string;
  problems?: string;
  nextSteps?: string;
  actuals?: IndicatorActualInput[];
  /** 佐证材料: ids of Evidence rows the API checked belong to this task and this uploader. */
  evidenceIds?: string[];
}
export interface ExtensionRequestCommand {
  actor: Actor;
  requestedDueDate: IsoDate;
  reason: string;
}
export interface DecisionCommand {
  actor: Actor;
  approve: boolean;
  reason?: string;
  /** Closure reviews only: 事实清楚, 问题解决, 资料齐全. */
  checklist?: ClosureChecklist;
}
export interface ClosureRequestCommand {
  actor: Actor;
  summary: string;
  /** 佐证材料 (see ReportCommand.evidenceIds); a plan may require at least one. */
  evidenceIds?: string[];
}
/** The office's checklist at closure review: all three must be ticked to approve. */
export interface ClosureChecklist {
  factsClear: boolean;
  problemSolved: boolean;
  materialsComplete: boolean;
}
export interface EscalateCommand {
  actor: Actor;
  level: 1 | 2 | 3;
  reason: string;
}
export interface ReasonCommand {
  actor: Actor;
  reason: string;
}
export interface InstructionCommand {
  actor: Actor;
  text: string;
}
/** 退单: the office reassigns (to `leadDepartmentId`) or insists, always with a reason. */
export interface DisputeDecisionCommand {
  actor: Actor;
  reassign: boolean;
  leadDepartmentId?: string;
  cooperatingDepartmentIds?: string[];
  reason: string;
}
/** 挂起: the lead department asks, with a reason and optionally the day work resumes by itself. */
export interface PauseRequestCommand {
  actor: Actor;
  reason: string;
  until?: IsoDate | null;
}
/** 回头看: the office reopens a closed task with a reason and a new deadline. */
export interface ReopenCommand {
  actor: Actor;
  reason: string;
  dueDate: IsoDate;
}
/** Answer (lead department) or close (office) a 督办单. */
export interface OrderCommand {
  actor: Actor;
  orderId: string;
  text?: string;
}

/** The answer to every command: the task as it now stands. */
export interface TaskSnapshot {
  taskId: string;
  status: TaskStatus;
  leadDepartmentId: string | null;
  cooperatingDepartmentIds: string[];
  dueDate: IsoDate | null;
  assignedOn: IsoDate | null;
  acknowledgedOn: IsoDate | null;
  progress: number;
  escalationLevel: number;
  pendingExtension: PendingExtension | null;
  pendingClosure: PendingClosure | null;
  seq: number;
}

/** Typed rejection codes (ApplicationFailure type); the API maps them to messages in the user's language. */
export type RejectionCode =
  | 'FORBIDDEN'
  | 'INVALID_STATE'
  | 'INVALID_INPUT'
  | 'NOT_LEAD_DEPARTMENT'
  | 'NOT_INVOLVED'
  | 'EXTENSION_PENDING'
  | 'NO_PENDING_EXTENSION'
  | 'NO_PENDING_CLOSURE'
  | 'NO_PENDING_REQUEST'
  | 'UNAUTHENTICATED';
