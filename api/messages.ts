/**
 * User-facing API error texts: Chinese first, English second. Codes are the
 * stable contract; the texts may be improved without breaking clients.
 */
import type { RejectionCode } from '../workflows/types.ts';

/** Every code a workflow rejects a command with, plus the API's own. */
export type ErrorCode =
  RejectionCode | 'NOT_FOUND' | 'INVALID_CREDENTIALS' | 'TOO_MANY_ATTEMPTS' | 'TEMPORAL_UNAVAILABLE' | 'IMPORT_FAILED';

export const MESSAGES: Record<ErrorCode, { zh: string; en: string }> = {
  UNAUTHENTICATED: { zh: '请先登录。', en: 'Please sign in.' },
  FORBIDDEN: { zh: '您没有执行此操作的权限。', en: 'You are not allowed to do this.' },
  NOT_FOUND: { zh: '未找到{what}。', en: '{what} not found.' },
  INVALID_INPUT: { zh: '输入有误：{detail}', en: 'Invalid input: {detail}' },
  INVALID_STATE: { zh: '当前状态下不能执行此操作：{detail}', en: 'Not possible in the current state: {detail}' },
  INVALID_CREDENTIALS: { zh: '用户名或密码错误。', en: 'Wrong username or password.' },
  TOO_MANY_ATTEMPTS: {
    zh: '登录失败次数过多，请 {minutes} 分钟后再试。',
    en: 'Too many failed sign-ins; try again in {minutes} minutes.',
  },
  NOT_LEAD_DEPARTMENT: { zh: '只有牵头单位可以执行此操作。', en: 'Only the lead department may do this.' },
  NOT_INVOLVED: {
    zh: '贵单位不是该任务的牵头或配合单位。',
    en: 'Your department neither leads nor cooperates on this task.',
  },
  EXTENSION_PENDING: { zh: '已有延期申请正在审核中。', en: 'An extension request is already awaiting a decision.' },
  NO_PENDING_EXTENSION: { zh: '没有待审核的延期申请。', en: 'There is no extension request to decide.' },
  NO_PENDING_CLOSURE: { zh: '没有待审核的办结申请。', en: 'There is no closure request to review.' },
  NO_PENDING_REQUEST: { zh: '没有待处理的申请。', en: 'There is no request to decide.' },
  TEMPORAL_UNAVAILABLE: {
    zh: '工作流服务暂不可用，请稍后重试；数据未作更改。',
    en: 'The workflow service is unavailable; nothing was changed. Please retry.',
  },
  IMPORT_FAILED: { zh: '导入失败：{detail}', en: 'Import failed: {detail}' },
};

export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

/** Argument and input-field names as users read them (validation messages name the field). */
export const FIELD_LABELS: Record<string, { zh: string; en: string }> = {
  progress: { zh: '进度', en: 'progress' },
  narrative: { zh: '进展情况', en: 'narrative' },
  problems: { zh: '存在问题', en: 'problems' },
  nextSteps: { zh: '下步计划', en: 'next steps' },
  dueDate: { zh: '完成时限', en: 'due date' },
  newDueDate: { zh: '申请的完成时限', en: 'requested due date' },
  dueFrom: { zh: '起始日期', en: 'from date' },
  dueTo: { zh: '截止日期', en: 'to date' },
  reason: { zh: '理由', en: 'reason' },
  summary: { zh: '办结情况说明', en: 'summary' },
  text: { zh: '内容', en: 'text' },
  title: { zh: '标题', en: 'title' },
  comment: { zh: '意见', en: 'comment' },
  level: { zh: '督办等级', en: 'level' },
  search: { zh: '搜索词', en: 'search' },
  date: { zh: '日期', en: 'date' },
  name: { zh: '名称', en: 'name' },
  username: { zh: '用户名', en: 'username' },
  password: { zh: '密码', en: 'password' },
  displayName: { zh: '姓名', en: 'display name' },
  email: { zh: '电子邮箱', en: 'email' },
  phone: { zh: '电话', en: 'phone' },
  milestones: { zh: '节点', en: 'milestones' },
  fileName: { zh: '文件名', en: 'file name' },
  period: { zh: '季度', en: 'quarter' },
  value: { zh: '数值', en: 'value' },
  limit: { zh: '条数', en: 'limit' },
  first: { zh: '条数', en: 'first' },
  quarter: { zh: '季度', en: 'quarter' },
  shortName: { zh: '简称', en: 'short name' },
  corrected: { zh: '修正后的预览', en: 'corrected preview' },
  columns: { zh: '列的含义', en: 'column mapping' },
  documentIndex: { zh: '文档序号', en: 'document index' },
  ackReminderDays: { zh: '签收提醒天数', en: 'acknowledgement reminder days' },
  warningDaysBefore: { zh: '到期预警天数', en: 'warning days before the deadline' },
  scheduleMode: { zh: '灯色判定方式', en: 'how lights are judged' },
  yellowBehind: { zh: '黄灯落后幅度', en: 'points behind for yellow' },
  redBehind: { zh: '红灯落后幅度', en: 'points behind for red' },
  aheadBy: { zh: '蓝灯超前幅度', en: 'points ahead for blue' },
  escalateAfterYellowWeeks: { zh: '连续黄灯周数', en: 'yellow weeks before a notice' },
  orderNumberFormat: { zh: '督办单编号格式', en: 'supervision order number format' },
  year: { zh: '年度', en: 'year' },
  reportCadence: { zh: '报送频次', en: 'report cadence' },
  note: { zh: '备注', en: 'note' },
  assessmentMode: { zh: '考核方式', en: 'assessment mode' },
  assessmentPoints: { zh: '考核加减分', en: 'assessment points' },
  rule: { zh: '考核规则项', en: 'assessment rule' },
  lead: { zh: '牵头单位分值', en: 'points for the lead' },
  coop: { zh: '配合单位分值', en: 'points for a cooperating department' },
  criticiseMissingReports: { zh: '未报进展是否批评', en: 'criticise missing reports' },
  orderReplyWorkingDays: { zh: '督办单答复期限（工作日）', en: 'working days to answer an order' },
  orderIssuer: { zh: '发文单位', en: 'issuer' },
  assessmentBase: { zh: '考核基础分', en: 'base score' },
  assessmentBonusCap: { zh: '加分上限', en: 'bonus cap' },
  assessmentDeductionCap: { zh: '扣分上限', en: 'deduction cap' },
  praiseMinScore: { zh: '表扬最低得分', en: 'lowest score praised' },
  criticiseOverdue: { zh: '批评的逾期任务数', en: 'overdue tasks criticised' },
  level1DaysOverdue: { zh: '一级督办逾期天数', en: 'level 1 days overdue' },
  level2DaysOverdue: { zh: '二级督办逾期天数', en: 'level 2 days overdue' },
  level3DaysOverdue: { zh: '三级督办逾期天数', en: 'level 3 days overdue' },
  reportDueWorkingDays: { zh: '报送期限（工作日）', en: 'report window (working days)' },
  noticeTime: { zh: '提醒时间', en: 'notice time' },
  extensionMinWorkingDaysBefore: { zh: '延期申请须提前的工作日数', en: 'working days before the deadline to ask' },
  extensionMaxPerTask: { zh: '每项任务最多延期次数', en: 'extensions per task' },
  extensionAllowAfterReturn: { zh: '退回整改后是否允许延期', en: 'extensions after a returned closure' },
  disputeDecideWorkingDays: { zh: '退单裁定期限（工作日）', en: 'working days to decide a dispute' },
  reopenWindowDays: { zh: '回头看期限（天）', en: 'days a closed task may be reopened' },
  maxPauseDays: { zh: '单次挂起最长天数', en: 'longest pause (days)' },
  until: { zh: '恢复日期', en: 'resume date' },
  reassign: { zh: '是否改派', en: 'reassign' },
  assigned: { zh: '交办日期', en: 'assigned date' },
  due: { zh: '完成时限', en: 'due date' },
  acknowledged: { zh: '签收日期', en: 'acknowledged date' },
  days: { zh: '日期', en: 'days' },
  kind: { zh: '类型', en: 'kind' },
  startsOn: { zh: '代理开始日期', en: 'acting-for start date' },
  endsOn: { zh: '代理截止日期', en: 'acting-for end date' },
  checklist: { zh: '审核清单', en: 'review checklist' },
  factsClear: { zh: '事实清楚', en: 'facts are clear' },
  problemSolved: { zh: '问题解决', en: 'problem solved' },
  materialsComplete: { zh: '资料齐全', en: 'materials complete' },
  evidenceMaxFileMB: { zh: '单个佐证文件大小上限（MB）', en: 'largest evidence file (MB)' },
  evidenceMaxFiles: { zh: '每次佐证文件数上限', en: 'evidence files per report or request' },
  evidenceTypes: { zh: '允许的佐证文件类型', en: 'accepted evidence file types' },
  evidenceRequiredForClosure: { zh: '办结须附佐证材料', en: 'closure requires evidence' },
};

/** Validator message codes (REQUIRED, MAX:n, RANGE:a-b, DATE) as sentences in both languages. */
export function validationText(code: string): { zh: string; en: string } {
  const max = /^MAX:(\d+)$/.exec(code);
  if (max) return { zh: `不能超过 ${max[1]} 个字`, en: `at most ${max[1]} characters` };
  const range = /^RANGE:(-?\d+)-(-?\d+)$/.exec(code);
  if (range) return { zh: `应在 ${range[1]} 到 ${range[2]} 之间`, en: `must be between ${range[1]} and ${range[2]}` };
  const min = /^MIN:(\d+)$/.exec(code);
  if (min) return { zh: `至少 ${min[1]} 个字符`, en: `at least ${min[1]} characters` };
  if (code === 'REQUIRED') return { zh: '不能为空', en: 'is required' };
  if (code === 'DATE') return { zh: '不是有效日期（格式 YYYY-MM-DD）', en: 'is not a valid date (YYYY-MM-DD)' };
  if (code === 'EMAIL') return { zh: '不是有效的电子邮箱', en: 'is not a valid email address' };
  if (code === 'QUARTER') return { zh: '格式应为 2026-Q4', en: 'must look like 2026-Q4' };
  if (code === 'TIME') return { zh: '格式应为 HH:MM（如 09:00）', en: 'must look like HH:MM (e.g. 09:00)' };
  if (code === 'USERNAME')
    return { zh: '应为 2–64 位字母、数字或 _ . -', en: 'must be 2–64 letters, digits, _ . or -' };
  // Texts some validators still give in English (and zod's own defaults), in both languages.
  const atMost = /^at most (\d+) (characters|MB)$/.exec(code);
  if (atMost)
    return atMost[2] === 'MB'
      ? { zh: `不能超过 ${atMost[1]} MB`, en: `at most ${atMost[1]} MB` }
      : validationText(`MAX:${atMost[1]}`);
  if (code === 'required') return validationText('REQUIRED');
  if (code === 'YYYY-MM-DD') return validationText('DATE');
  if (code === 'invalid email') return validationText('EMAIL');
  const small = /^Too small: expected number to be >=?(-?[\d.]+)$/.exec(code);
  if (small) return { zh: `不能小于 ${small[1]}`, en: `must be at least ${small[1]}` };
  const big = /^Too big: expected number to be <=?(-?[\d.]+)$/.exec(code);
  if (big) return { zh: `不能大于 ${big[1]}`, en: `must be at most ${big[1]}` };
  const long = /^Too big: expected string to have <=?(\d+) characters$/.exec(code);
  if (long) return validationText(`MAX:${long[1]}`);
  if (/[\u4e00-\u9fff]/.test(code)) return { zh: code, en: code };
  // Anything else: a Chinese sentence for the user, the validator's own words in English.
  return { zh: '格式不正确', en: code };
}

export function fieldLabel(path: string): { zh: string; en: string } {
  const last =
    path
      .split('.')
      .filter((p) => !/^\d+$/.test(p))
      .at(-1) ?? path;
  // A field without a label (a test requires every one to have one) is named generically, never in English.
  return FIELD_LABELS[last] ?? { zh: '输入项', en: last };
}
