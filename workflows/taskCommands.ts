/**
 * The reform task's user commands that drive its lifecycle (交办 to 办结,
 * 督办, 批示, 督办单): each a Temporal Update whose validator runs the one
 * access rule and the command's own checks, so a refusal changes nothing.
 * Registered by reformTask.ts; 退单, 挂起 and 回头看 are in taskResponsibility.ts.
 */
import { condition, patched, uuid4 } from '@temporalio/workflow';
import { compareDates, shanghaiDate } from '../domain/calendar';
import { cadenceProblem, firstPeriod, settle } from '../domain/cadence';
import { extensionRefusal } from '../domain/extension';
import { reopenUntil } from '../domain/responsibility';
import * as defs from './definitions';
import { reject } from './reject';
import type { TaskRuntime } from './taskRuntime';
import type { OrderCommand, TaskStatus } from './types';

/** Evidence ids as the API sends them: a short list of non-empty strings (the API checked each row). */
function requireEvidenceIds(ids: unknown): void {
  if (ids === undefined || ids === null) return;
  if (!Array.isArray(ids) || ids.length > 50 || ids.some((x) => typeof x !== 'string' || !x))
    reject('INVALID_INPUT', 'Evidence must be a list of uploaded files.', '佐证材料应为已上传文件的列表。');
}

export function registerCommands(rt: TaskRuntime): void {
  const { state, onUpdate, transition, today, commit, requireAllowed, requireText, requireDate, cadence, nowIso } = rt;
  const { cadenceOn, sendNotice } = rt;
  onUpdate(
    defs.assignUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const wasDraft = state.status === 'DRAFT';
      const leadChanged = cmd.leadDepartmentId !== state.leadDepartmentId;
      const before = { lead: state.leadDepartmentId, dueDate: state.dueDate };
      state.leadDepartmentId = cmd.leadDepartmentId;
      state.cooperatingDepartmentIds = (cmd.cooperatingDepartmentIds ?? []).filter((d) => d !== cmd.leadDepartmentId);
      if (cmd.dueDate !== undefined) state.dueDate = cmd.dueDate;
      if (cmd.milestones) state.milestones = cmd.milestones;
      let change = {};
      // 改派 settles a pending dispute (退单) as well.
      if (leadChanged && state.dispute) state.dispute = null;
      if (wasDraft || (leadChanged && state.status !== 'CLOSURE_REQUESTED')) {
        // A new lead department must acknowledge afresh.
        change = transition('ASSIGNED');
        state.assignedOn = (wasDraft && cmd.assignedOn) || today();
        state.acknowledgedOn = null;
        if (wasDraft && cmd.acknowledgedOn) {
          state.acknowledgedOn = cmd.acknowledgedOn;
          change = transition('IN_PROGRESS');
          (change as { fromStatus: TaskStatus }).fromStatus = 'DRAFT';
        }
      }
      if (before.dueDate !== state.dueDate) state.escalationLevel = 0;
      if (cadenceOn) {
        const changed = cmd.reportCadence !== undefined && (cmd.reportCadence || null) !== (state.cadence ?? null);
        if (changed) state.cadence = cmd.reportCadence || null;
        const c = cadence();
        // Reports are owed from assignment; a new cadence starts its periods today.
        if (!c) state.period = null;
        else if (changed || !state.period) state.period = firstPeriod(c, state.assignedOn ?? today());
      }
      return commit(
        {
          kind: wasDraft ? 'ASSIGNED' : 'REASSIGNED',
          actor: cmd.actor,
          reason: cmd.reason,
          ...change,
          data: {
            before,
            leadDepartmentId: state.leadDepartmentId,
            cooperating: state.cooperatingDepartmentIds,
            dueDate: state.dueDate,
          },
        },
        { cooperatingDepartmentIds: state.cooperatingDepartmentIds, milestones: state.milestones },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'ASSIGN');
        requireText(cmd.leadDepartmentId, 'Lead department', '牵头单位');
        if (cmd.dueDate) requireDate(cmd.dueDate, 'Due date', '完成时限');
        if (cmd.reportCadence) {
          const problem = cadenceProblem(cmd.reportCadence);
          if (problem) reject('INVALID_INPUT', problem.en, problem.zh);
        }
        for (const m of cmd.milestones ?? []) requireDate(m.dueDate, 'Milestone date', '节点时限');
        // A deadline already past when the task is handed over would send every overdue notice at once.
        const due = cmd.dueDate === undefined ? state.dueDate : cmd.dueDate;
        const since = cmd.assignedOn;
        if (since !== undefined || cmd.acknowledgedOn !== undefined) {
          // Taking over from a ledger: real dates, in order, not in the future, not years back.
          if (state.status !== 'DRAFT') {
            reject(
              'INVALID_INPUT',
              'Assignment dates can only be given when a task is first assigned.',
              '只有首次交办时可以填写交办日期。',
            );
          }
          requireDate(since, 'Assignment date', '交办日期');
          if (cmd.acknowledgedOn !== undefined) requireDate(cmd.acknowledgedOn, 'Acknowledgement date', '签收日期');
          const oldest = shanghaiDate(Date.now() - 366 * 86_400_000);
          if (compareDates(since!, today()) > 0 || compareDates(since!, oldest) < 0) {
            reject(
              'INVALID_INPUT',
              `Assignment date ${since} must be within the past year.`,
              `交办日期 ${since} 应在过去一年之内。`,
            );
          }
          if (
            cmd.acknowledgedOn &&
            (compareDates(cmd.acknowledgedOn, since!) < 0 || compareDates(cmd.acknowledgedOn, today()) > 0)
          ) {
            reject(
              'INVALID_INPUT',
              'The acknowledgement date must lie between assignment and today.',
              '签收日期应在交办日期与今天之间。',
            );
          }
          if (due && compareDates(due, since!) < 0) {
            reject('INVALID_INPUT', 'The deadline is before the assignment date.', '完成时限早于交办日期。');
          }
        }
        const past = !!due && compareDates(due, today()) < 0;
        if (past && since === undefined && (state.status === 'DRAFT' || due !== state.dueDate)) {
          reject(
            'INVALID_INPUT',
            `The deadline ${due} is already past; set a new one.`,
            `完成时限 ${due} 已过，请重新设定完成时限后再交办。`,
          );
        }
      },
    },
  );

  onUpdate(
    defs.acknowledgeUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      state.acknowledgedOn = today();
      // Signing for a disputed task withdraws the dispute.
      const withdrawn = state.dispute?.id;
      if (withdrawn) state.dispute = null;
      return commit({
        kind: 'ACKNOWLEDGED',
        actor: cmd.actor,
        ...transition('IN_PROGRESS'),
        ...(withdrawn ? { data: { disputeWithdrawn: withdrawn } } : {}),
      });
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'ACKNOWLEDGE');
      },
    },
  );

  onUpdate(
    defs.submitReportUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const isLead = cmd.actor.departmentId === state.leadDepartmentId;
      const change = isLead && state.status === 'ASSIGNED' ? transition('IN_PROGRESS') : {};
      if (isLead) {
        state.progress = Math.round(cmd.progress);
        if (!state.acknowledgedOn) state.acknowledgedOn = today();
      }
      const reportId = uuid4();
      let due: { dueOn?: string; onTime?: boolean } = {};
      const c = cadence();
      if (isLead && c && state.period) {
        const r = settle(c, state.period, today());
        state.period = r.period;
        // The report answers the oldest period it settles (later begun ones are settled with it).
        const first = r.settled[0];
        if (first) due = { dueOn: first.due, onTime: first.onTime };
      }
      return commit(
        {
          kind: isLead ? 'REPORTED' : 'CONTRIBUTED',
          actor: cmd.actor,
          ...change,
          data: { reportId, progress: cmd.progress },
        },
        {
          report: {
            id: reportId,
            kind: isLead ? 'REPORT' : 'CONTRIBUTION',
            departmentId: cmd.actor.departmentId!,
            authorId: cmd.actor.userId,
            progress: Math.round(cmd.progress),
            narrative: cmd.narrative,
            problems: cmd.problems,
            nextSteps: cmd.nextSteps,
            actuals: cmd.actuals ?? [],
            ...(cmd.evidenceIds?.length ? { evidenceIds: cmd.evidenceIds } : {}),
            ...due,
          },
        },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REPORT');
        if (
          typeof cmd.progress !== 'number' ||
          !Number.isFinite(cmd.progress) ||
          cmd.progress < 0 ||
          cmd.progress > 100
        ) {
          reject('INVALID_INPUT', 'Progress must be between 0 and 100.', '进度必须在 0 到 100 之间。');
        }
        requireText(cmd.narrative, 'Narrative', '进展情况');
        requireEvidenceIds(cmd.evidenceIds);
        const known = new Set(state.indicators.map((i) => i.id));
        for (const a of cmd.actuals ?? []) {
          if (!known.has(a.indicatorId)) {
            reject('INVALID_INPUT', `Unknown indicator ${a.indicatorId}.`, `未知的指标：${a.indicatorId}`);
          }
          if (typeof a.value !== 'number' || !Number.isFinite(a.value)) {
            reject('INVALID_INPUT', 'Indicator value must be a number.', '指标完成值必须是数字。');
          }
        }
      },
    },
  );

  onUpdate(
    defs.requestExtensionUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      state.pendingExtension = {
        id: uuid4(),
        requestedBy: cmd.actor.userId,
        requestedDueDate: cmd.requestedDueDate,
        reason: cmd.reason,
        at: nowIso(),
      };
      return commit(
        {
          kind: 'EXTENSION_REQUESTED',
          actor: cmd.actor,
          reason: cmd.reason,
          data: { requestedDueDate: cmd.requestedDueDate },
        },
        { extension: { ...state.pendingExtension, currentDueDate: state.dueDate, status: 'PENDING' } },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REQUEST_EXTENSION');
        const late = extensionRefusal(
          {
            today: today(),
            dueDate: state.dueDate,
            approvedSoFar: state.extensionsApproved ?? 0,
            returnedClosures: state.returnedClosures ?? 0,
          },
          rt.calendar(),
          state.extensionRules,
        );
        if (late) reject('INVALID_STATE', late.en, late.zh);
        requireDate(cmd.requestedDueDate, 'Requested due date', '申请的完成时限');
        if (state.dueDate && compareDates(cmd.requestedDueDate, state.dueDate) <= 0) {
          reject(
            'INVALID_INPUT',
            `Requested due date must be after the current one (${state.dueDate}).`,
            `申请的完成时限必须晚于当前时限（${state.dueDate}）。`,
          );
        }
        requireText(cmd.reason, 'Reason', '延期理由');
      },
    },
  );

  onUpdate(
    defs.decideExtensionUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const req = state.pendingExtension!;
      state.pendingExtension = null;
      const before = state.dueDate;
      if (cmd.approve) {
        // A new deadline resets the ladder: notices are keyed by due date, and the level starts over.
        state.dueDate = req.requestedDueDate;
        state.escalationLevel = 0;
        state.extensionsApproved = (state.extensionsApproved ?? 0) + 1;
      }
      return commit(
        {
          kind: cmd.approve ? 'EXTENSION_APPROVED' : 'EXTENSION_REJECTED',
          actor: cmd.actor,
          reason: cmd.reason,
          data: { from: before, to: req.requestedDueDate },
        },
        {
          extension: {
            ...req,
            currentDueDate: before,
            status: cmd.approve ? 'APPROVED' : 'REJECTED',
            decidedBy: cmd.actor.userId,
            decidedAt: nowIso(),
            decisionReason: cmd.reason,
          },
        },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'DECIDE_EXTENSION');
        if (!cmd.approve) requireText(cmd.reason, 'Reason for rejecting', '不予批准的理由');
      },
    },
  );

  onUpdate(
    defs.requestClosureUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      state.pendingClosure = {
        id: uuid4(),
        requestedBy: cmd.actor.userId,
        summary: cmd.summary,
        at: nowIso(),
        ...(cmd.evidenceIds?.length ? { evidenceIds: cmd.evidenceIds } : {}),
      };
      return commit(
        { kind: 'CLOSURE_REQUESTED', actor: cmd.actor, ...transition('CLOSURE_REQUESTED'), reason: cmd.summary },
        { closure: { ...state.pendingClosure, status: 'PENDING' } },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REQUEST_CLOSURE');
        requireText(cmd.summary, 'Summary of the work done', '办结情况说明');
        requireEvidenceIds(cmd.evidenceIds);
        if (rt.respOn && state.evidenceRules?.requiredForClosure && !cmd.evidenceIds?.length)
          reject(
            'INVALID_INPUT',
            'This plan requires evidence with a closure request.',
            '本方案要求申请办结时附佐证材料，请上传后再提交。',
          );
      },
    },
  );

  onUpdate(
    defs.reviewClosureUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const req = state.pendingClosure!;
      state.pendingClosure = null;
      const change = transition(cmd.approve ? 'CLOSED' : 'IN_PROGRESS');
      if (cmd.approve) state.progress = 100;
      if (!cmd.approve) state.returnedClosures = (state.returnedClosures ?? 0) + 1;
      if (cmd.approve && rt.respOn) {
        // 回头看: the reopening period starts at closure.
        state.closedOn = today();
        state.reopenUntil = reopenUntil(state.closedOn, state.responsibilityRules ?? {});
      }
      return commit(
        {
          kind: cmd.approve ? 'CLOSED' : 'CLOSURE_RETURNED',
          actor: cmd.actor,
          reason: cmd.reason,
          ...change,
          ...(cmd.approve && cmd.checklist ? { data: { checklist: cmd.checklist } } : {}),
        },
        {
          closure: {
            ...req,
            status: cmd.approve ? 'APPROVED' : 'RETURNED',
            reviewerId: cmd.actor.userId,
            reason: cmd.reason,
            decidedAt: nowIso(),
            ...(cmd.approve && cmd.checklist ? { checklist: cmd.checklist } : {}),
          },
        },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REVIEW_CLOSURE');
        if (!cmd.approve) requireText(cmd.reason, 'Reason for returning', '退回理由');
        const c = cmd.checklist;
        if (cmd.approve && rt.respOn && !(c?.factsClear && c.problemSolved && c.materialsComplete))
          reject(
            'INVALID_INPUT',
            'Tick all three checks (facts clear, problem solved, materials complete) before approving.',
            '请逐项确认“事实清楚、问题解决、资料齐全”后再审核通过。',
          );
      },
    },
  );

  onUpdate(
    defs.escalateUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const at = nowIso();
      state.escalationLevel = Math.max(state.escalationLevel, cmd.level) as 0 | 1 | 2 | 3;
      // The notice is keyed by this change's seq, taken before any other command can bump it.
      const seq = state.seq + 1;
      const snap = await commit({
        kind: 'ESCALATED',
        actor: cmd.actor,
        reason: cmd.reason,
        data: { level: cmd.level },
      });
      await sendNotice({
        key: `${state.taskId}:MANUAL:${seq}`,
        taskId: state.taskId,
        planId: state.planId,
        kind: 'MANUAL',
        level: cmd.level,
        fireAt: at,
        recipients:
          cmd.level === 3 ? ['SUPERVISOR'] : cmd.level === 2 ? ['DEPARTMENT_HEAD', 'OFFICE'] : ['LEAD_DEPARTMENT'],
        departmentIds: state.leadDepartmentId ? [state.leadDepartmentId] : [],
        title: state.title,
        dueDate: state.dueDate,
        reason: cmd.reason,
      });
      return snap;
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'ESCALATE');
        if (![1, 2, 3].includes(cmd.level)) {
          reject('INVALID_INPUT', 'Escalation level must be 1, 2 or 3.', '督办等级只能是 1、2 或 3。');
        }
        requireText(cmd.reason, 'Reason', '督办理由');
      },
    },
  );

  onUpdate(
    defs.cancelUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      state.pendingClosure = null;
      state.pendingExtension = null;
      return commit(
        { kind: 'CANCELLED', actor: cmd.actor, reason: cmd.reason, ...transition('CANCELLED') },
        { cancelReason: cmd.reason },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'CANCEL');
        requireText(cmd.reason, 'Reason', '撤销理由');
      },
    },
  );

  onUpdate(
    defs.addInstructionUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const seq = state.seq + 1;
      const snap = await commit(
        { kind: 'INSTRUCTION', actor: cmd.actor, reason: cmd.text },
        { instruction: { id: uuid4(), authorId: cmd.actor.userId, text: cmd.text } },
      );
      // The responsible departments (and the office) are told of a leader's instruction.
      if (patched('instruction-notice') && state.leadDepartmentId) {
        await sendNotice({
          key: `${state.taskId}:INSTRUCTION:${seq}`,
          taskId: state.taskId,
          planId: state.planId,
          kind: 'INSTRUCTION',
          level: 0,
          fireAt: nowIso(),
          recipients: ['LEAD_DEPARTMENT', 'OFFICE'],
          departmentIds: [state.leadDepartmentId, ...state.cooperatingDepartmentIds],
          title: state.title,
          dueDate: state.dueDate,
          reason: cmd.text,
        });
      }
      return snap;
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'INSTRUCT');
        requireText(cmd.text, 'Instruction', '批示内容');
      },
    },
  );

  /** The open 督办单 a command names, or a refusal that says why not. */
  const openOrder = (cmd: OrderCommand, want: 'ISSUED' | 'REPLIED') => {
    const o = (state.orders ?? []).find((x) => x.id === cmd.orderId);
    if (!o)
      reject('INVALID_INPUT', 'No open supervision order with this id on the task', '该任务没有这份未销号的督办单');
    if (want === 'ISSUED' && o.status !== 'ISSUED')
      reject('INVALID_STATE', 'This supervision order has already been answered', '该督办单已答复，不能重复答复');
    if (want === 'REPLIED' && o.status !== 'REPLIED')
      reject('INVALID_STATE', 'The department has not answered this order yet', '责任单位尚未答复该督办单，不能销号');
    return o;
  };

  onUpdate(
    defs.replyOrderUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const text = cmd.text!.trim();
      state.orders = (state.orders ?? []).map((o) => (o.id === cmd.orderId ? { ...o, status: 'REPLIED' } : o));
      return commit(
        { kind: 'ORDER_REPLIED', actor: cmd.actor, reason: text, data: { orderId: cmd.orderId } },
        { order: { id: cmd.orderId, status: 'REPLIED', text, by: cmd.actor.userId } },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REPLY_ORDER');
        requireText(cmd.text, 'Reply', '答复内容');
        openOrder(cmd, 'ISSUED');
      },
    },
  );

  onUpdate(
    defs.closeOrderUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      state.orders = (state.orders ?? []).filter((o) => o.id !== cmd.orderId);
      const text = cmd.text?.trim() || undefined;
      return commit(
        { kind: 'ORDER_CLOSED', actor: cmd.actor, ...(text ? { reason: text } : {}), data: { orderId: cmd.orderId } },
        { order: { id: cmd.orderId, status: 'CLOSED', ...(text ? { text } : {}), by: cmd.actor.userId } },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'CLOSE_ORDER');
        openOrder(cmd, 'REPLIED');
      },
    },
  );
}
