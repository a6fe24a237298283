/**
 * 退单, 挂起 and 回头看 in the API: the commands, each an Update on the task's workflow (workflows/taskResponsibility.ts)
 * checked by the one access rule first.
 */
import * as defs from '../../workflows/definitions.ts';
import { runTaskUpdate } from '../commands.ts';
import { taskIdOf } from '../access.ts';
import { invalidInput } from '../errors.ts';
import { isoDate, maxLen, taskMutation, text } from './tasks.ts';

taskMutation('disputeTask', {
  description: '退单: the lead department says the task is not theirs, with a reason (before 签收).',
  args: (t) => ({ reason: t.arg.string({ validate: text(1000) }) }),
  run: (ctx, a) => runTaskUpdate(ctx, String(a.taskId), 'DISPUTE', defs.disputeUpdate, { reason: a.reason }),
});

taskMutation('decideDispute', {
  description: '裁定退单 (office): reassign to another lead department, or insist; always with a reason.',
  args: (t) => ({
    reassign: t.arg.boolean(),
    leadDepartmentId: t.arg.id({ required: false }),
    cooperatingDepartmentIds: t.arg.idList({ required: false }),
    reason: t.arg.string({ validate: text(1000) }),
  }),
  run: async (ctx, a) => {
    if (a.reassign && !a.leadDepartmentId)
      throw invalidInput('改派时请选择新的牵头单位。', 'Choose the new lead department.');
    if (a.reassign) {
      const found = await ctx.prisma.department.findUnique({ where: { id: String(a.leadDepartmentId) } });
      if (!found) throw invalidInput('所选牵头单位不存在。', 'Unknown lead department.');
    }
    return runTaskUpdate(ctx, String(a.taskId), 'DECIDE_DISPUTE', defs.decideDisputeUpdate, {
      reassign: a.reassign,
      reason: a.reason,
      ...(a.reassign ? { leadDepartmentId: String(a.leadDepartmentId) } : {}),
      ...(a.cooperatingDepartmentIds ? { cooperatingDepartmentIds: a.cooperatingDepartmentIds.map(String) } : {}),
    });
  },
});

taskMutation('requestPause', {
  description: '申请挂起 (lead department): why, and optionally the day work resumes by itself.',
  args: (t) => ({
    reason: t.arg.string({ validate: text(1000) }),
    until: t.arg.string({ required: false, validate: isoDate }),
  }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'REQUEST_PAUSE', defs.requestPauseUpdate, {
      reason: a.reason,
      until: a.until ?? null,
    }),
});

taskMutation('decidePause', {
  description: '审批挂起 (office): approve, or refuse with a reason.',
  args: (t) => ({ approve: t.arg.boolean(), comment: t.arg.string({ required: false, validate: maxLen(1000) }) }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'DECIDE_PAUSE', defs.decidePauseUpdate, {
      approve: a.approve,
      ...(a.comment ? { reason: a.comment } : {}),
    }),
});

taskMutation('resumeTask', {
  description: '恢复推进 (office or lead department): the deadline moves by the paused working days.',
  args: (t) => ({ comment: t.arg.string({ required: false, validate: maxLen(1000) }) }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'RESUME', defs.resumeUpdate, a.comment ? { reason: a.comment } : {}),
});

taskMutation('reopenTask', {
  description: '回头看 (office): reopen a closed task within the plan period, with a reason and a new deadline.',
  args: (t) => ({ reason: t.arg.string({ validate: text(1000) }), dueDate: t.arg.string({ validate: isoDate }) }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, taskIdOf(a.taskId), 'REOPEN', defs.reopenUpdate, { reason: a.reason, dueDate: a.dueDate }),
});
