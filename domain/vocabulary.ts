/**
 * The one vocabulary: every code a user can meet (task status, traffic light,
 * notice kind and status, recurrence, timeline event kind, …) with its Chinese
 * and English label. Pure data, no imports: the board bundles it, the API, the
 * exports and the notices read it. tests/domain/vocabulary.test.ts fails when
 * the workflows or the domain types use a code that has no label here.
 */

export type Lang = 'zh' | 'en';

export interface Label {
  zh: string;
  en: string;
}

type Table<K extends string> = Readonly<Record<K, Label>>;

const table = <K extends string>(t: Record<K, Label>): Table<K> => Object.freeze(t);

/** 任务状态 (the workflow's lifecycle). */
export const TASK_STATUS = table({
  DRAFT: { zh: '待交办', en: 'To assign' },
  ASSIGNED: { zh: '已交办', en: 'Assigned' },
  IN_PROGRESS: { zh: '推进中', en: 'In progress' },
  CLOSURE_REQUESTED: { zh: '待审核', en: 'Closure requested' },
  CLOSED: { zh: '已办结', en: 'Closed' },
  CANCELLED: { zh: '已撤销', en: 'Cancelled' },
});

/**
 * 红黄绿灯, plus 蓝灯 (ahead of schedule) and the states that have no light at
 * all: a task without a lead department (未交办) or without a deadline (无时限)
 * is never chased, so it is never shown green. NONE is a closed or cancelled
 * task (or a light the server did not give).
 */
export const HEALTH = table({
  RED: { zh: '红灯（逾期）', en: 'Red (overdue)' },
  YELLOW: { zh: '黄灯（预警）', en: 'Yellow (at risk)' },
  GREEN: { zh: '绿灯（正常）', en: 'Green (on track)' },
  BLUE: { zh: '蓝灯（超前）', en: 'Blue (ahead)' },
  UNASSIGNED: { zh: '未交办', en: 'Not assigned' },
  NO_DEADLINE: { zh: '无时限', en: 'No deadline' },
  NONE: { zh: '无灯', en: 'No light' },
});
export type HealthCode = keyof typeof HEALTH;

/** Why a light is what it is (domain/health HealthReason), shown in a task's light history. */
export const HEALTH_REASON = table({
  OVERDUE: { zh: '已超过完成时限', en: 'past its deadline' },
  WARNING_WINDOW: { zh: '临近完成时限', en: 'deadline near' },
  MILESTONE_BEHIND: { zh: '时间节点未完成', en: 'a milestone was missed' },
  BEHIND_SCHEDULE: { zh: '落后于序时进度', en: 'behind schedule' },
  CATCHING_UP: { zh: '正在追赶序时进度', en: 'catching up' },
  CAUGHT_UP: { zh: '已追上序时进度', en: 'caught up' },
  AHEAD: { zh: '快于序时进度', en: 'ahead of schedule' },
  ON_TRACK: { zh: '按序时推进', en: 'on schedule' },
  NOT_OPEN: { zh: '已办结或撤销', en: 'closed or cancelled' },
});

/** Why a task has no light: what the office is told (it will never be chased). */
export const HEALTH_HINT = table({
  UNASSIGNED: { zh: '未交办：没有牵头单位，系统不会催办。', en: 'Not assigned: no lead department, never chased.' },
  NO_DEADLINE: { zh: '无时限：没有完成时限，系统不会催办。', en: 'No deadline: it will never be chased.' },
});

/** Escalation levels (督办等级) as a task carries them. */
export const ESCALATION_LEVEL = table({
  '1': { zh: '一级催办', en: 'Level 1 reminder' },
  '2': { zh: '二级督办单', en: 'Level 2 notice' },
  '3': { zh: '三级约谈通报', en: 'Level 3 summons' },
});

/** Notice kinds: the ladder (domain NoticeKind), the office's manual escalation, the round's report reminder. */
export const NOTICE_KIND = table({
  ACK_REMINDER: { zh: '签收提醒', en: 'Acknowledgement reminder' },
  WARNING: { zh: '到期预警', en: 'Deadline warning' },
  LEVEL1: { zh: '催办', en: 'Reminder (level 1)' },
  LEVEL2: { zh: '督办单', en: 'Formal supervision notice (level 2)' },
  LEVEL3: { zh: '约谈/通报', en: 'Summons / bulletin (level 3)' },
  MANUAL: { zh: '人工督办', en: 'Escalation by the office' },
  LAGGING: { zh: '序时进度滞后督办单', en: 'Behind-schedule notice' },
  REPORT_REMINDER: { zh: '定期报送提醒', en: 'Periodic report reminder' },
  REPORT_LATE: { zh: '定期报送催报', en: 'Periodic report overdue' },
  REPORT_DUE: { zh: '季度进展报告催报', en: 'Quarterly report due' },
  INSTRUCTION: { zh: '领导批示', en: 'Instruction from a leader' },
  DISPUTED: { zh: '退单待裁定', en: 'Ownership disputed' },
  DISPUTE_DECIDED: { zh: '退单裁定', en: 'Dispute decided' },
  DISPUTE_OVERDUE: { zh: '退单逾期未裁定', en: 'Dispute not decided in time' },
  PAUSE_ENDED: { zh: '挂起期满恢复推进', en: 'Pause ended' },
  REOPENED: { zh: '回头看重新打开', en: 'Task reopened' },
});

/** A notice's state (Notice: PENDING | SENT | CANCELLED) and a delivery's (Delivery: PENDING | SENT | FAILED). */
export const NOTICE_STATUS = table({
  PENDING: { zh: '待发出', en: 'Pending' },
  SENT: { zh: '已发出', en: 'Sent' },
  CANCELLED: { zh: '已取消', en: 'Cancelled' },
  FAILED: { zh: '发送失败', en: 'Failed' },
});

/** Who a notice goes to. */
export const RECIPIENT = table({
  LEAD_DEPARTMENT: { zh: '牵头单位', en: 'lead department' },
  DEPARTMENT_HEAD: { zh: '单位负责人', en: 'department head' },
  OFFICE: { zh: '办公室', en: 'office' },
  SUPERVISOR: { zh: '督查领导', en: 'supervisors' },
});

/** Recurrence named in the plan (domain Recurrence, lower case). */
export const RECURRENCE = table({
  weekly: { zh: '每周', en: 'Weekly' },
  monthly: { zh: '每月', en: 'Monthly' },
  quarterly: { zh: '每季度', en: 'Quarterly' },
  annual: { zh: '每年', en: 'Yearly' },
  biennial: { zh: '每2年', en: 'Every 2 years' },
  // The read model's older spelling (prisma: QUARTERLY | MONTHLY | YEARLY | EVERY_2_YEARS).
  yearly: { zh: '每年', en: 'Yearly' },
  every_2_years: { zh: '每2年', en: 'Every 2 years' },
});

/** What a timeline entry records (TaskEvent.kind, written by the workflows). */
export const EVENT_KIND = table({
  RESYNC: { zh: '状态同步', en: 'State resynchronised' },
  CREATED: { zh: '创建', en: 'Created' },
  ASSIGNED: { zh: '交办', en: 'Assigned' },
  REASSIGNED: { zh: '改派', en: 'Reassigned' },
  ACKNOWLEDGED: { zh: '签收', en: 'Acknowledged' },
  REPORTED: { zh: '进展反馈', en: 'Progress report' },
  CONTRIBUTED: { zh: '配合补充', en: 'Contribution' },
  EXTENSION_REQUESTED: { zh: '申请延期', en: 'Extension requested' },
  EXTENSION_APPROVED: { zh: '同意延期', en: 'Extension approved' },
  EXTENSION_REJECTED: { zh: '驳回延期', en: 'Extension rejected' },
  CLOSURE_REQUESTED: { zh: '申请办结', en: 'Closure requested' },
  CLOSURE_RETURNED: { zh: '退回办结申请', en: 'Closure returned' },
  CLOSURE_APPROVED: { zh: '审核通过', en: 'Closure approved' },
  CLOSED: { zh: '审核销号', en: 'Closed' },
  CANCELLED: { zh: '撤销', en: 'Cancelled' },
  INSTRUCTION: { zh: '领导批示', en: 'Instruction' },
  ESCALATED: { zh: '人工督办', en: 'Escalated by hand' },
  NOTICE: { zh: '督办通知', en: 'Notice' },
  MILESTONE_NOTICE: { zh: '时间节点督办通知', en: 'Milestone notice' },
  REPORT_NOTICE: { zh: '定期报送催报', en: 'Periodic report chased' },
  HEALTH: { zh: '红黄绿灯变化', en: 'Light changed' },
  DEADLINE_CHANGED: { zh: '调整时限', en: 'Deadline changed' },
  UPDATED: { zh: '修改任务', en: 'Task edited' },
  REPORT_DUE: { zh: '季度报告催报', en: 'Quarterly report due' },
  ORDER_REPLIED: { zh: '答复督办单', en: 'Supervision order answered' },
  ORDER_CLOSED: { zh: '督办单销号', en: 'Supervision order closed' },
  DISPUTED: { zh: '退单', en: 'Ownership disputed' },
  DISPUTE_REASSIGNED: { zh: '退单改派', en: 'Dispute: reassigned' },
  DISPUTE_REJECTED: { zh: '退单不予认可（维持交办）', en: 'Dispute: assignment stands' },
  DISPUTE_OVERDUE: { zh: '退单逾期未裁定，报分管领导', en: 'Dispute undecided: supervisors told' },
  PAUSE_REQUESTED: { zh: '申请挂起', en: 'Pause requested' },
  PAUSED: { zh: '同意挂起', en: 'Paused' },
  PAUSE_REJECTED: { zh: '不同意挂起', en: 'Pause refused' },
  RESUMED: { zh: '恢复推进', en: 'Resumed' },
  REOPENED: { zh: '回头看重新打开', en: 'Reopened' },
});

/** 督办单 (domain/orders.ts). */
export const ORDER_STATUS = table({
  ISSUED: { zh: '待答复', en: 'awaiting reply' },
  REPLIED: { zh: '已答复', en: 'answered' },
  CLOSED: { zh: '已销号', en: 'closed' },
});

/** Lines of a department's score (domain/assessment.ts). */
export const SCORE_LINE = table({
  base: { zh: '基础分', en: 'Base score' },
  closedOnTime: { zh: '按期办结', en: 'Closed on time' },
  closedLate: { zh: '逾期办结', en: 'Closed late' },
  reportLate: { zh: '迟报进展', en: 'Report late' },
  reportMissing: { zh: '未报进展', en: 'Report missing' },
  orderReceived: { zh: '收到督办单', en: 'Supervision order received' },
  bonusCap: { zh: '加分封顶', en: 'Bonus cap' },
  deductionCap: { zh: '扣分封顶', en: 'Deduction cap' },
  clamp: { zh: '分值限定在0–100', en: 'Kept within 0–100' },
  onTimeReports: { zh: '按时报送率', en: 'On-time reports' },
  onTrack: { zh: '正常推进率', en: 'Tasks on track' },
  completion: { zh: '办结率', en: 'Tasks completed' },
  indicators: { zh: '指标完成度', en: 'Indicator attainment' },
  overduePenalty: { zh: '逾期扣分', en: 'Overdue penalty' },
});

/** Whose line it is: the lead department or a cooperating one. */
export const SCORE_ROLE = table({
  LEAD: { zh: '牵头', en: 'lead' },
  COOP: { zh: '配合', en: 'cooperating' },
});

/** A progress report's kind. */
export const REPORT_KIND = table({
  REPORT: { zh: '牵头单位反馈', en: 'lead report' },
  CONTRIBUTION: { zh: '配合单位补充', en: 'contribution' },
});

/** Extension requests and closure reviews. */
export const REQUEST_STATUS = table({
  PENDING: { zh: '待审核', en: 'pending' },
  APPROVED: { zh: '已同意', en: 'approved' },
  REJECTED: { zh: '未同意', en: 'rejected' },
  RETURNED: { zh: '已退回', en: 'returned' },
  WITHDRAWN: { zh: '已撤回（任务撤销）', en: 'withdrawn (task cancelled)' },
});

/** Quarterly supervision rounds. */
export const ROUND_STATUS = table({
  PENDING: { zh: '未开始', en: 'not started' },
  OPEN: { zh: '进行中', en: 'open' },
  CLOSED: { zh: '已结束', en: 'closed' },
});

/** Roles (and the system, for what the ladder does by itself). */
export const ROLE = table({
  OFFICE: { zh: '办公室', en: 'Office' },
  DEPARTMENT: { zh: '责任单位', en: 'Department' },
  SUPERVISOR: { zh: '督查领导', en: 'Supervisor' },
  ADMIN: { zh: '管理员', en: 'Administrator' },
  SYSTEM: { zh: '系统', en: 'System' },
});

/** Calendar overrides. */
export const DAY_KIND = table({
  HOLIDAY: { zh: '休息日', en: 'Day off' },
  WORKDAY: { zh: '工作日（调休）', en: 'Working day (make-up)' },
});

/** Where a calendar override came from. */
export const DAY_SOURCE = table({
  OFFICIAL: { zh: '官方安排', en: 'official schedule' },
  MANUAL: { zh: '人工调整', en: 'set by hand' },
  ADMIN: { zh: '人工调整', en: 'set by hand' },
  BUILTIN: { zh: '内置', en: 'built in' },
});

/** Every table, by name (the test walks them all). */
export const VOCABULARY = Object.freeze({
  TASK_STATUS,
  HEALTH,
  HEALTH_HINT,
  HEALTH_REASON,
  ESCALATION_LEVEL,
  NOTICE_KIND,
  NOTICE_STATUS,
  RECIPIENT,
  RECURRENCE,
  EVENT_KIND,
  REPORT_KIND,
  REQUEST_STATUS,
  ROUND_STATUS,
  ROLE,
  DAY_KIND,
  DAY_SOURCE,
  ORDER_STATUS,
  SCORE_LINE,
  SCORE_ROLE,
});
export type VocabularyName = keyof typeof VOCABULARY;

/** What a code nobody labelled reads as: never the raw code. */
const UNKNOWN: Label = Object.freeze({ zh: '其他', en: 'Other' });

/** The label of `code` in `vocabulary`, or undefined when it has none. */
export function lookup(vocabulary: VocabularyName, code: string | number | null | undefined): Label | undefined {
  if (code === null || code === undefined) return undefined;
  const t = VOCABULARY[vocabulary] as Readonly<Record<string, Label>>;
  const key = String(code);
  return Object.prototype.hasOwnProperty.call(t, key)
    ? t[key]
    : Object.prototype.hasOwnProperty.call(t, key.toLowerCase())
      ? t[key.toLowerCase()]
      : Object.prototype.hasOwnProperty.call(t, key.toUpperCase())
        ? t[key.toUpperCase()]
        : undefined;
}

/** The label in one language; an unlabelled code reads 其他 / Other, never as itself. */
export function label(vocabulary: VocabularyName, code: string | number | null | undefined, lang: Lang = 'zh'): string {
  return (lookup(vocabulary, code) ?? UNKNOWN)[lang];
}

/**
 * The light a task shows: 未交办 without a lead department, 无时限 without a
 * deadline (whatever the server says: older servers send GREEN for those),
 * nothing once closed or cancelled, else the server's light.
 */
export function taskLight(task: {
  status: string;
  health?: string | null;
  dueDate?: string | null;
  leadDepartment?: unknown;
}): HealthCode {
  if (task.status === 'CLOSED' || task.status === 'CANCELLED') return 'NONE';
  if (!task.leadDepartment || task.status === 'DRAFT') return 'UNASSIGNED';
  if (!task.dueDate) return 'NO_DEADLINE';
  const h = task.health;
  if (h === 'RED' || h === 'YELLOW' || h === 'GREEN' || h === 'BLUE') return h;
  return 'NONE';
}
