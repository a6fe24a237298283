/**
 * Who owns a task and when its clock runs, in the task's workflow: 退单
 * (a dispute over ownership, decided by the office or raised to supervisors
 * on a durable timer), 挂起 (a pause the office approves; paused working days
 * move the deadline and the ladder), and 回头看 (reopening a closed task).
 * The rules and date arithmetic are domain/responsibility.ts; registered by
 * reformTask.ts behind patched('responsibility').
 */
import { condition, uuid4 } from '@temporalio/workflow';
import { compareDates, instantMs, shanghaiInstant } from '../domain/calendar';
import { firstPeriod } from '../domain/cadence';
import {
  afterPause,
  disputeDecideBy,
  disputeEscalatesAt,
  pauseRequestProblem,
  pausedWorkingDays,
  reopenProblem,
  reopenUntil,
} from '../domain/responsibility';
import * as defs from './definitions';
import { reject } from './reject';
import type { TaskRuntime } from './taskRuntime';
import type { Actor, ResponsibilityView, TaskState } from './types';

/** What the read model shows (Task.responsibility). */
export function responsibilityView(state: TaskState): ResponsibilityView {
  return {
    dispute: state.dispute ?? null,
    pendingPause: state.pendingPause ?? null,
    pause: state.pause ?? null,
    pausedWorkingDays: state.pausedDays ?? 0,
    closedOn: state.closedOn ?? null,
    reopenUntil: state.reopenUntil ?? null,
    reopened: state.reopened ?? 0,
  };
}

export function registerResponsibility(rt: TaskRuntime) {
  const { state, onUpdate, commit, transition, today, nowIso, requireAllowed, requireText, requireDate } = rt;
  const rules = () => state.responsibilityRules ?? {};
  const lead = () => (state.leadDepartmentId ? [state.leadDepartmentId] : []);
  const tell = (
    kind: 'DISPUTED' | 'DISPUTE_DECIDED' | 'DISPUTE_OVERDUE' | 'PAUSE_ENDED' | 'REOPENED',
    key: string,
    fireAt: number = Date.now(),
  ) =>
    rt.sendNotice({
      key: `${state.taskId}:${kind}:${key}`,
      taskId: state.taskId,
      planId: state.planId,
      kind,
      level: 0,
      fireAt: new Date(fireAt).toISOString(),
      recipients:
        kind === 'DISPUTED' ? ['OFFICE'] : kind === 'DISPUTE_OVERDUE' ? ['SUPERVISOR', 'OFFICE'] : ['LEAD_DEPARTMENT'],
      departmentIds: lead(),
      title: state.title,
      dueDate: state.dueDate,
    });

  // ─── 退单 ──────────────────────────────────────────────────────────────────
  onUpdate(
    defs.disputeUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const raisedOn = today();
      state.dispute = {
        id: uuid4(),
        by: cmd.actor.userId,
        departmentId: cmd.actor.departmentId ?? null,
        reason: cmd.reason.trim(),
        at: nowIso(),
        raisedOn,
        decideBy: disputeDecideBy(raisedOn, rt.calendar(), rules()),
      };
      const snap = await commit({
        kind: 'DISPUTED',
        actor: cmd.actor,
        reason: state.dispute.reason,
        data: { decideBy: state.dispute.decideBy, departmentId: state.dispute.departmentId },
      });
      await tell('DISPUTED', state.dispute?.id ?? String(state.seq));
      return snap;
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'DISPUTE');
        requireText(cmd.reason, 'Reason', '退单理由');
      },
    },
  );

  onUpdate(
    defs.decideDisputeUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const dispute = state.dispute!;
      state.dispute = null;
      const from = state.leadDepartmentId;
      if (cmd.reassign) {
        state.leadDepartmentId = cmd.leadDepartmentId!;
        state.cooperatingDepartmentIds = (cmd.cooperatingDepartmentIds ?? state.cooperatingDepartmentIds).filter(
          (d) => d !== cmd.leadDepartmentId && d !== from,
        );
        // The new lead acknowledges afresh; the deadline stands: its clock runs from 交办.
        state.assignedOn = today();
        state.acknowledgedOn = null;
      }
      const snap = await commit(
        {
          kind: cmd.reassign ? 'DISPUTE_REASSIGNED' : 'DISPUTE_REJECTED',
          actor: cmd.actor,
          reason: cmd.reason.trim(),
          data: {
            disputeId: dispute.id,
            disputedBy: dispute.departmentId,
            from,
            to: state.leadDepartmentId,
            raisedOn: dispute.raisedOn,
          },
        },
        cmd.reassign ? { cooperatingDepartmentIds: state.cooperatingDepartmentIds } : {},
      );
      await tell('DISPUTE_DECIDED', dispute.id);
      return snap;
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'DECIDE_DISPUTE');
        requireText(cmd.reason, 'Reason', '裁定理由');
        if (cmd.reassign) {
          requireText(cmd.leadDepartmentId, 'New lead department', '改派的牵头单位');
          if (cmd.leadDepartmentId === state.leadDepartmentId)
            reject('INVALID_INPUT', 'Reassign to another department.', '请改派给其他单位，或选择维持交办。');
        }
      },
    },
  );

  // ─── 挂起 ──────────────────────────────────────────────────────────────────
  onUpdate(
    defs.requestPauseUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      state.pendingPause = {
        id: uuid4(),
        requestedBy: cmd.actor.userId,
        reason: cmd.reason.trim(),
        until: cmd.until || null,
        at: nowIso(),
      };
      return commit({
        kind: 'PAUSE_REQUESTED',
        actor: cmd.actor,
        reason: state.pendingPause.reason,
        data: { until: state.pendingPause.until },
      });
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REQUEST_PAUSE');
        if (cmd.until) requireDate(cmd.until, 'Resume date', '恢复日期');
        const problem = pauseRequestProblem({ today: today(), until: cmd.until, reason: cmd.reason }, rules());
        if (problem) reject('INVALID_INPUT', problem.en, problem.zh);
      },
    },
  );

  onUpdate(
    defs.decidePauseUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const req = state.pendingPause!;
      state.pendingPause = null;
      if (cmd.approve) {
        state.pause = {
          id: req.id,
          since: today(),
          until: req.until,
          reason: req.reason,
          approvedBy: cmd.actor.userId,
        };
      }
      return commit({
        kind: cmd.approve ? 'PAUSED' : 'PAUSE_REJECTED',
        actor: cmd.actor,
        reason: cmd.reason?.trim() || req.reason,
        data: { requestId: req.id, since: state.pause?.since ?? null, until: req.until },
      });
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'DECIDE_PAUSE');
        if (!state.pendingPause) reject('NO_PENDING_REQUEST', 'There is no pause request.', '没有待审批的挂起申请。');
        if (!cmd.approve) requireText(cmd.reason, 'Reason for refusing', '不同意挂起的理由');
        const until = state.pendingPause.until;
        if (cmd.approve && until && compareDates(until, today()) <= 0)
          reject(
            'INVALID_STATE',
            `The requested resume date ${until} has passed.`,
            `申请的恢复日期 ${until} 已过，请退回后由牵头单位重新申请。`,
          );
      },
    },
  );

  onUpdate(
    defs.resumeUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      return endPause(today(), cmd.actor, cmd.reason?.trim() || undefined);
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'RESUME');
        if (!state.pause) reject('INVALID_STATE', 'The task is not paused.', '任务没有挂起，无需恢复。');
      },
    },
  );

  /** End the pause on `end` (the day work resumes): the deadline and open milestones move by the paused working days. */
  async function endPause(end: string, actor?: Actor, reason?: string) {
    const pause = state.pause!;
    state.pause = null;
    const days = pausedWorkingDays(pause, end, rt.calendar());
    const before = state.dueDate;
    const moved = afterPause(state, pause.since, days, rt.calendar());
    state.dueDate = moved.dueDate;
    state.milestones = moved.milestones;
    state.pausedDays = (state.pausedDays ?? 0) + days;
    if (before !== state.dueDate) state.escalationLevel = 0;
    // Periodic reports start again from the day work resumes.
    const c = rt.cadence();
    if (c && state.period) state.period = firstPeriod(c, end);
    return commit(
      {
        kind: 'RESUMED',
        ...(actor ? { actor } : {}),
        ...(reason ? { reason } : {}),
        data: { since: pause.since, until: end, workingDays: days, from: before, to: state.dueDate, auto: !actor },
      },
      { milestones: state.milestones },
    );
  }

  // ─── 回头看 ────────────────────────────────────────────────────────────────
  onUpdate(
    defs.reopenUpdate,
    async (cmd) => {
      if (!rt.checksAtChange()) await condition(rt.isReady);
      const closedOn = state.closedOn;
      const change = transition('IN_PROGRESS');
      const before = state.dueDate;
      state.dueDate = cmd.dueDate;
      state.escalationLevel = 0;
      state.closedOn = null;
      state.reopenUntil = null;
      state.reopened = (state.reopened ?? 0) + 1;
      const snap = await commit({
        kind: 'REOPENED',
        actor: cmd.actor,
        reason: cmd.reason.trim(),
        ...change,
        data: { closedOn, from: before, to: cmd.dueDate, times: state.reopened },
      });
      await tell('REOPENED', String(state.reopened));
      return snap;
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REOPEN');
        requireDate(cmd.dueDate, 'New deadline', '新的完成时限');
        const problem = reopenProblem(
          { today: today(), closedOn: state.closedOn ?? null, dueDate: cmd.dueDate, reason: cmd.reason },
          rules(),
        );
        if (problem) reject('INVALID_INPUT', problem.en, problem.zh);
      },
    },
  );

  return {
    /** Called when a closure is approved: the reopening period starts. */
    closed() {
      state.closedOn = today();
      state.reopenUntil = reopenUntil(state.closedOn, rules());
    },
    /**
     * The main loop's turn: end a pause whose day has come, raise an undecided
     * dispute to the supervisors. Returns the instants to wake at next.
     */
    async tick(now: number): Promise<number[]> {
      const wakeups: number[] = [];
      const pause = state.pause;
      if (pause?.until) {
        const at = instantMs(shanghaiInstant(pause.until, '00:00'));
        if (at <= now) {
          await endPause(pause.until);
          await tell('PAUSE_ENDED', pause.id, at);
        } else wakeups.push(at);
      }
      const dispute = state.dispute;
      if (dispute && !dispute.escalated) {
        const at = instantMs(disputeEscalatesAt(dispute.decideBy, rt.calendar(), state.noticeTime));
        if (at <= now) {
          state.dispute = { ...dispute, escalated: true };
          await commit({ kind: 'DISPUTE_OVERDUE', data: { disputeId: dispute.id, decideBy: dispute.decideBy } });
          await tell('DISPUTE_OVERDUE', dispute.id, at);
        } else wakeups.push(at);
      }
      return wakeups;
    },
    /** The reopening period after a closure: wait for 回头看 or its end. True when reopened. */
    async reopenWindow(): Promise<boolean> {
      if (state.status !== 'CLOSED' || !state.reopenUntil) return false;
      const ends = instantMs(shanghaiInstant(state.reopenUntil, '23:59'));
      const left = ends - Date.now();
      if (left <= 0) return false;
      await condition(() => state.status !== 'CLOSED', left);
      return state.status !== 'CLOSED';
    },
  };
}
