/**
 * User-facing API error texts: Chinese first, English second. Codes are the
 * stable contract; the texts may be improved without breaking clients.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'INVALID_STATE'
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_ATTEMPTS'
  | 'NOT_LEAD_DEPARTMENT'
  | 'NOT_INVOLVED'
  | 'EXTENSION_PENDING'
  | 'NO_PENDING_EXTENSION'
  | 'NO_PENDING_CLOSURE'
  | 'TEMPORAL_UNAVAILABLE'
  | 'IMPORT_FAILED';

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
  TEMPORAL_UNAVAILABLE: {
    zh: '工作流服务暂不可用，请稍后重试；数据未作更改。',
    en: 'The workflow service is unavailable; nothing was changed. Please retry.',
  },
  IMPORT_FAILED: { zh: '导入失败：{detail}', en: 'Import failed: {detail}' },
};

export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

/** Task statuses as the office says them. */
export const STATUS_ZH: Record<string, string> = {
  DRAFT: '待交办',
  ASSIGNED: '已交办',
  IN_PROGRESS: '推进中',
  CLOSURE_REQUESTED: '待审核',
  CLOSED: '已办结',
  CANCELLED: '已撤销',
};
