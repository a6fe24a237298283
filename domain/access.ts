/**
 * Who may see a task and what they may do to it: the one home of the access
 * rule. The workflow validators (the authority), the API's read scopes and
 * its early checks, and the board's buttons (through Task.allowedActions) all
 * ask these functions; nothing else re-derives them. Pure: no I/O.
 *
 * api/README.md prints ACCESS_RULES as its role table, and a test checks the
 * two agree.
 */
import type { Role, TaskStatus } from './types';

export interface AccessActor {
  userId: string;
  role: Role;
  departmentId?: string | null;
  /** Departments this user currently acts for (代理), besides their own. */
  actingForDepartmentIds?: readonly string[];
}

/** The facts about a task the rule needs: the read model and the workflow state both have them. */
export interface AccessTask {
  status: TaskStatus;
  leadDepartmentId: string | null;
  cooperatingDepartmentIds: readonly string[];
  dueDate?: string | null;
  hasPendingExtension?: boolean;
  hasPendingClosure?: boolean;
  /** 退单: the lead department said "not ours" and the office has not decided. */
  hasPendingDispute?: boolean;
  /** 挂起: a pause is in force, or asked for and not yet decided. */
  paused?: boolean;
  hasPendingPause?: boolean;
  /** 回头看: a closed task still within the plan's reopening period. */
  reopenable?: boolean;
}

/** How an actor stands to a task. */
export type Involvement = 'OFFICE' | 'ADMIN' | 'SUPERVISOR' | 'LEAD' | 'COOPERATING' | 'NONE';

export type TaskAction =
  | 'ASSIGN'
  | 'ACKNOWLEDGE'
  | 'REPORT'
  | 'REQUEST_EXTENSION'
  | 'DECIDE_EXTENSION'
  | 'REQUEST_CLOSURE'
  | 'REVIEW_CLOSURE'
  | 'ESCALATE'
  | 'CANCEL'
  | 'INSTRUCT'
  | 'REPLY_ORDER'
  | 'CLOSE_ORDER'
  | 'DISPUTE'
  | 'DECIDE_DISPUTE'
  | 'REQUEST_PAUSE'
  | 'DECIDE_PAUSE'
  | 'RESUME'
  | 'REOPEN';

export const TASK_ACTIONS: readonly TaskAction[] = [
  'ASSIGN',
  'ACKNOWLEDGE',
  'REPORT',
  'REQUEST_EXTENSION',
  'DECIDE_EXTENSION',
  'REQUEST_CLOSURE',
  'REVIEW_CLOSURE',
  'ESCALATE',
  'CANCEL',
  'INSTRUCT',
  'REPLY_ORDER',
  'CLOSE_ORDER',
  'DISPUTE',
  'DECIDE_DISPUTE',
  'REQUEST_PAUSE',
  'DECIDE_PAUSE',
  'RESUME',
  'REOPEN',
];

/** Codes a refusal carries (the API maps them to its error codes 1:1). */
export type AccessCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_INVOLVED'
  | 'NOT_LEAD_DEPARTMENT'
  | 'INVALID_STATE'
  | 'EXTENSION_PENDING'
  | 'NO_PENDING_EXTENSION'
  | 'NO_PENDING_CLOSURE'
  | 'NO_PENDING_REQUEST';

export interface Refusal {
  code: AccessCode;
  zh: string;
  en: string;
}

const OPEN: readonly TaskStatus[] = ['DRAFT', 'ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED'];

const STATUS_LABEL_ZH: Record<TaskStatus, string> = {
  DRAFT: '待交办',
  ASSIGNED: '已交办',
  IN_PROGRESS: '推进中',
  CLOSURE_REQUESTED: '待审核',
  CLOSED: '已办结',
  CANCELLED: '已撤销',
};

function departmentsOf(actor: AccessActor): string[] {
  return [...(actor.departmentId ? [actor.departmentId] : []), ...(actor.actingForDepartmentIds ?? [])];
}

export function involvement(actor: AccessActor | null | undefined, task: AccessTask): Involvement {
  if (!actor) return 'NONE';
  if (actor.role === 'OFFICE') return 'OFFICE';
  if (actor.role === 'ADMIN') return 'ADMIN';
  if (actor.role === 'SUPERVISOR') return 'SUPERVISOR';
  const mine = departmentsOf(actor);
  if (task.leadDepartmentId && mine.includes(task.leadDepartmentId)) return 'LEAD';
  if (task.cooperatingDepartmentIds.some((d) => mine.includes(d))) return 'COOPERATING';
  return 'NONE';
}

/** Office, admin and supervisors see every task; a department sees the tasks it leads or cooperates on. */
export function canSeeTask(actor: AccessActor | null | undefined, task: AccessTask): boolean {
  return involvement(actor, task) !== 'NONE';
}

/** Read scope as data, for query builders: null means "every task". */
export function visibleDepartmentIds(actor: AccessActor): string[] | null {
  if (actor.role === 'DEPARTMENT') return departmentsOf(actor);
  return null;
}

/** One row of the role table: which involvements may take an action, in which statuses. */
export interface AccessRule {
  action: TaskAction;
  who: readonly Involvement[];
  statuses: readonly TaskStatus[];
  zh: string;
}

export const ACCESS_RULES: readonly AccessRule[] = [
  { action: 'ASSIGN', who: ['OFFICE', 'ADMIN'], statuses: OPEN, zh: '交办 / 改派' },
  { action: 'ACKNOWLEDGE', who: ['LEAD'], statuses: ['ASSIGNED'], zh: '签收' },
  { action: 'REPORT', who: ['LEAD', 'COOPERATING'], statuses: ['ASSIGNED', 'IN_PROGRESS'], zh: '提交进展' },
  { action: 'REQUEST_EXTENSION', who: ['LEAD'], statuses: ['ASSIGNED', 'IN_PROGRESS'], zh: '申请延期' },
  { action: 'DECIDE_EXTENSION', who: ['OFFICE', 'ADMIN'], statuses: OPEN, zh: '审批延期' },
  { action: 'REQUEST_CLOSURE', who: ['LEAD'], statuses: ['ASSIGNED', 'IN_PROGRESS'], zh: '申请办结' },
  { action: 'REVIEW_CLOSURE', who: ['OFFICE', 'ADMIN'], statuses: ['CLOSURE_REQUESTED'], zh: '审核办结' },
  {
    action: 'ESCALATE',
    who: ['OFFICE', 'ADMIN'],
    statuses: ['ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED'],
    zh: '督办',
  },
  { action: 'CANCEL', who: ['OFFICE', 'ADMIN'], statuses: OPEN, zh: '撤销' },
  { action: 'INSTRUCT', who: ['SUPERVISOR', 'ADMIN'], statuses: OPEN, zh: '批示' },
  {
    action: 'REPLY_ORDER',
    who: ['LEAD'],
    statuses: ['ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED'],
    zh: '答复督办单',
  },
  {
    action: 'CLOSE_ORDER',
    who: ['OFFICE', 'ADMIN'],
    statuses: ['ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED'],
    zh: '销号督办单',
  },
  { action: 'DISPUTE', who: ['LEAD'], statuses: ['ASSIGNED'], zh: '退单' },
  { action: 'DECIDE_DISPUTE', who: ['OFFICE', 'ADMIN'], statuses: ['ASSIGNED'], zh: '裁定退单' },
  { action: 'REQUEST_PAUSE', who: ['LEAD'], statuses: ['IN_PROGRESS'], zh: '申请挂起' },
  { action: 'DECIDE_PAUSE', who: ['OFFICE', 'ADMIN'], statuses: ['IN_PROGRESS'], zh: '审批挂起' },
  { action: 'RESUME', who: ['OFFICE', 'ADMIN', 'LEAD'], statuses: ['IN_PROGRESS'], zh: '恢复推进' },
  { action: 'REOPEN', who: ['OFFICE', 'ADMIN'], statuses: ['CLOSED'], zh: '重新打开（回头看）' },
];

const RULES = new Map(ACCESS_RULES.map((r) => [r.action, r]));

/**
 * Why `actor` may not take `action` on `task` now, or null when they may.
 * Checks run in a fixed order: signed in, may see the task, role, state,
 * then the action's own precondition (a pending request to decide).
 */
export function refusal(actor: AccessActor | null | undefined, task: AccessTask, action: TaskAction): Refusal | null {
  if (!actor) return { code: 'UNAUTHENTICATED', zh: '请先登录。', en: 'Please sign in.' };
  const rule = RULES.get(action)!;
  const inv = involvement(actor, task);
  if (inv === 'NONE') {
    return {
      code: 'NOT_INVOLVED',
      zh: '贵单位不是该任务的牵头或配合单位。',
      en: 'Your department neither leads nor cooperates on this task.',
    };
  }
  if (!rule.who.includes(inv)) {
    if (inv === 'COOPERATING' && rule.who.includes('LEAD')) {
      return {
        code: 'NOT_LEAD_DEPARTMENT',
        zh: '只有牵头单位可以执行此操作。',
        en: 'Only the lead department may do this.',
      };
    }
    return { code: 'FORBIDDEN', zh: `您没有“${rule.zh}”的权限。`, en: `You may not do this (${action}).` };
  }
  if (!rule.statuses.includes(task.status)) {
    const zh = OPEN.includes(task.status)
      ? `任务处于“${STATUS_LABEL_ZH[task.status]}”状态，不能${rule.zh}。`
      : `任务${STATUS_LABEL_ZH[task.status]}，不能再${rule.zh}。`;
    return { code: 'INVALID_STATE', zh, en: `Not allowed while the task is ${task.status}.` };
  }
  if (action === 'DECIDE_EXTENSION' && task.hasPendingExtension === false) {
    return {
      code: 'NO_PENDING_EXTENSION',
      zh: '没有待审批的延期申请。',
      en: 'There is no extension request to decide.',
    };
  }
  if (action === 'REVIEW_CLOSURE' && task.hasPendingClosure === false) {
    return { code: 'NO_PENDING_CLOSURE', zh: '没有待审核的办结申请。', en: 'There is no closure request to review.' };
  }
  const pending = (zh: string, en: string): Refusal => ({ code: 'NO_PENDING_REQUEST', zh, en });
  const busy = (zh: string, en: string): Refusal => ({ code: 'INVALID_STATE', zh, en });
  if (action === 'DISPUTE' && task.hasPendingDispute === true)
    return busy('已提出退单，正在等待办公室裁定。', 'A dispute is already awaiting the office.');
  if (action === 'DECIDE_DISPUTE' && task.hasPendingDispute !== true)
    return pending('没有待裁定的退单。', 'There is no dispute to decide.');
  if (action === 'DECIDE_PAUSE' && task.hasPendingPause !== true)
    return pending('没有待审批的挂起申请。', 'There is no pause request to decide.');
  if (action === 'RESUME' && task.paused !== true) return busy('任务没有挂起，无需恢复。', 'The task is not paused.');
  if (action === 'REQUEST_PAUSE' && (task.paused === true || task.hasPendingPause === true))
    return busy('任务已挂起或已有挂起申请在审批中。', 'The task is already paused or a pause awaits a decision.');
  if ((action === 'REQUEST_CLOSURE' || action === 'REQUEST_EXTENSION') && task.paused === true)
    return busy(
      '任务挂起期间不能申请办结或延期，请先恢复推进。',
      'Resume the task before asking to close or extend it.',
    );
  if (action === 'REOPEN' && task.reopenable !== true)
    return busy('已超过回头看期限，不能重新打开。', 'The reopening period has ended.');
  if (action === 'REQUEST_EXTENSION' && task.hasPendingExtension === true) {
    return {
      code: 'EXTENSION_PENDING',
      zh: '已有延期申请正在审核中。',
      en: 'An extension request is already awaiting a decision.',
    };
  }
  return null;
}

export function allowedActions(actor: AccessActor | null | undefined, task: AccessTask): TaskAction[] {
  return TASK_ACTIONS.filter((a) => refusal(actor, task, a) === null);
}

/** The role table as api/README.md prints it (a test compares the two). */
export function accessTableMarkdown(): string {
  const lines = ['| action | 操作 | who | statuses |', '|---|---|---|---|'];
  for (const r of ACCESS_RULES) {
    lines.push(`| ${r.action} | ${r.zh} | ${r.who.join(', ')} | ${r.statuses.join(', ')} |`);
  }
  return lines.join('\n');
}
