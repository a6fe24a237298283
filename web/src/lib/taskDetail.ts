/** The task page's one query: every field it shows, the departments for reassigning, the escalation preview. */
import type { Dept, Health, Status } from './tasks';

export interface Notice {
  id: string;
  kind: string;
  level: number;
  fireAt: string;
  sentAt: string | null;
  status: string;
  recipients: string[];
  reason: string | null;
}
export interface PlannedNotice {
  key: string;
  kind: string;
  level: number;
  date: string;
  fireAt: string;
  recipients: string[];
  milestone: string | null;
}
/** 佐证材料 as the board shows them (download links). */
export interface EvidenceFile {
  id: string;
  name: string;
  size: number;
  mime: string;
  url: string;
}
export const EVIDENCE = 'evidence { id name size mime url }';

export interface Report {
  id: string;
  evidence?: EvidenceFile[];
  kind: string;
  progress: number;
  narrative: string;
  problems: string | null;
  nextSteps: string | null;
  submittedAt: string;
  onTime: boolean;
  authorId: string;
  department: Dept;
  actuals: { id: string; value: number }[];
}
export interface Indicator {
  id: string;
  text: string;
  metric: string;
  comparator: string;
  targetValue: number | null;
  unit: string | null;
  latestActual: number | null;
}
/** What the signed-in user may do to a task now (Task.allowedActions): the one list in domain/access.ts. */
export type { TaskAction } from '../../../domain/access';
import type { TaskAction } from '../../../domain/access';

export interface TaskFull {
  allowedActions: TaskAction[];
  taskId: string;
  title: string;
  text: string;
  path: string;
  status: Status;
  health: Health | null;
  escalationLevel: number;
  dueDate: string | null;
  deadlineText: string | null;
  recurrence: string | null;
  progress: number;
  needsAssignment: boolean;
  assignedAt: string | null;
  acknowledgedAt: string | null;
  closedAt: string | null;
  cancelReason: string | null;
  updatedAt: string;
  plan: { id: string; title: string; settings?: string };
  section: { title: string; numbering: string } | null;
  leadDepartment: Dept | null;
  cooperatingDepartments: Dept[];
  milestones: { id: string; text: string; dueDate: string | null; doneAt: string | null }[];
  indicators: Indicator[];
  reports: Report[];
  latestReport: Report | null;
  extensionRequests: {
    id: string;
    requestedDueDate: string;
    currentDueDate: string | null;
    reason: string;
    status: string;
    decisionReason: string | null;
    createdAt: string;
    decidedAt: string | null;
  }[];
  closureReviews: {
    id: string;
    evidence?: EvidenceFile[];
    summary: string;
    status: string;
    reason: string | null;
    createdAt: string;
    decidedAt: string | null;
  }[];
  instructions: { id: string; authorId: string; text: string; createdAt: string }[];
  noticesSent: Notice[];
  expectedProgress: number | null;
  lightHistory: { id: string; at: string; data: string }[];
  assignmentDocumentUrl: string | null;
  reportCadence: string | null;
  /** 退单, 挂起, 回头看 (Task.responsibility). */
  responsibility: {
    dispute: {
      reason: string;
      departmentId: string | null;
      raisedOn: string;
      decideBy: string;
      escalated: boolean;
    } | null;
    pendingPause: { reason: string; until: string | null } | null;
    pause: { reason: string; since: string; until: string | null } | null;
    pausedWorkingDays: number;
    closedOn: string | null;
    reopenUntil: string | null;
    reopened: number;
  } | null;
  orders: {
    id: string;
    docNumber: string;
    kind: string;
    status: string;
    reason: string | null;
    dueDate: string | null;
    daysOverdue: number;
    progress: number;
    issuedOn: string;
    replyBy: string;
    reply: string | null;
    repliedAt: string | null;
    repliedBy: { displayName: string } | null;
    documentUrl: string;
  }[];
  timeline: {
    id: string;
    at: string;
    kind: string;
    actorId: string | null;
    actorRole: string | null;
    fromStatus: string | null;
    toStatus: string | null;
    reason: string | null;
    data: string;
    actor?: { displayName: string } | null;
    /** 代理: whom the actor acted for ("王五 代 张三"). */
    onBehalfOf?: { displayName: string } | null;
  }[];
}

const REPORT =
  'id kind progress narrative problems nextSteps submittedAt onTime authorId department { id name } actuals { id value } evidence { id name size mime url }';

export const TASK_FIELDS = `taskId allowedActions title text path status health escalationLevel dueDate deadlineText recurrence progress needsAssignment
  assignedAt acknowledgedAt closedAt cancelReason updatedAt
  plan { id title settings } section { title numbering }
  leadDepartment { id name } cooperatingDepartments { id name }
  milestones { id text dueDate doneAt }
  indicators { id text metric comparator targetValue unit latestActual }
  reports { ${REPORT} } latestReport { ${REPORT} }
  extensionRequests { id requestedDueDate currentDueDate reason status decisionReason createdAt decidedAt }
  closureReviews { id summary status reason createdAt decidedAt ${EVIDENCE} }
  instructions { id authorId text createdAt }
  noticesSent { id kind level fireAt sentAt status recipients reason }
  timeline { id at kind actorId actorRole fromStatus toStatus reason data actor { displayName } onBehalfOf { displayName } }
  expectedProgress lightHistory { id at data }
  assignmentDocumentUrl reportCadence
  responsibility { dispute { reason departmentId raisedOn decideBy escalated } pendingPause { reason until }
    pause { reason since until } pausedWorkingDays closedOn reopenUntil reopened }
  orders { id docNumber kind status reason dueDate daysOverdue progress issuedOn replyBy reply repliedAt repliedBy { displayName } documentUrl }`;

/** What a command returns: the page reloads itself afterwards. */
export const CHANGED_FIELDS = '{ taskId status updatedAt }';

/**
 * The notices the workflow itself has planned: a workflow query, fetched after the page
 * shows (the escalation preview from the same rules stands in until it arrives).
 */
export const PENDING_NOTICES = `query ($id: ID!) { task(id: $id) { pendingNotices { key kind level date fireAt recipients milestone } } }`;

export const TASK_PAGE = `query ($id: ID!) {
  task(id: $id) { ${TASK_FIELDS} }
  departments { id name }
  preview: previewEscalation(taskId: $id) { key kind level date fireAt recipients milestone }
}`;

const COMPARATORS: Record<string, string> = { GTE: '≥', GT: '>', LTE: '≤', LT: '<', EQ: '=', APPROX: '≈' };
export function comparatorSymbol(c: string): string {
  return COMPARATORS[c] ?? c;
}
