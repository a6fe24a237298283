/**
 * reformTask: one workflow per reform task, for the task's whole life.
 *
 * It owns the task's state (DRAFT → ASSIGNED → IN_PROGRESS → CLOSURE_REQUESTED
 * → CLOSED, CANCELLED from any open state), answers every user command as a
 * Temporal Update (validated first: a rejected command adds nothing to
 * history), and runs the escalation ladder of domain/escalation on durable
 * timers. The ladder is re-planned from the current state on every change, so
 * a notice that is no longer due (extension, reassignment, calendar change,
 * closure) is never sent, and each sent notice is remembered so none is sent
 * twice. All I/O (projection to the read model, notices) goes through
 * activities.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  patched,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { DubanActivities } from '../activities/types';
import {
  addCalendarDays,
  compareDates,
  createCalendar,
  endOfDay,
  instantMs,
  isPlausibleDate,
  shanghaiDate,
  toDayNumber,
  type WorkingCalendar,
} from '../domain/calendar';
import { refusal, type TaskAction } from '../domain/access';
import { planEscalation, type EscalationNotice } from '../domain/escalation';
import { extensionRefusal } from '../domain/extension';
import { isFormalNotice, orderReplyBy } from '../domain/orders';
import { cadenceProblem, firstPeriod, parseCadenceCode, settle } from '../domain/cadence';
import { assessHealth, nextHealthChange, weekStart, type HealthInput } from '../domain/health';
import type { Instant } from '../domain/types';
import * as defs from './definitions';
import type {
  Actor,
  NoticeToSend,
  OrderCommand,
  PlannedNotice,
  ReformTaskInput,
  RejectionCode,
  TaskEventRecord,
  TaskSnapshot,
  TaskState,
  TaskStatus,
} from './types';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;
const {
  loadCalendar,
  loadPlanSettings,
  projectTask: projectTaskV1,
} = proxyActivities<DubanActivities>({
  startToCloseTimeout: '1 minute',
  retry: RETRY,
});
/**
 * The projection is a short, idempotent write to the read model that every
 * command waits for. From 'projection-as-activity' on it is a regular
 * activity again: as a local activity, its result and an Update that arrived
 * while it ran could be taken in one order the first time and in the other on
 * replay (the soak's "Activity machine does not handle TimerCanceled": a
 * handler scheduled deliverNotice right after its projection resolved, while
 * the main loop answered the Update's wake-up). A regular activity's result
 * comes in its own workflow task, in history order both times. Histories
 * between the two patches keep the local activity.
 */
const { projectTask: projectTaskLocal } = proxyLocalActivities<DubanActivities>({
  startToCloseTimeout: '30 seconds',
  retry: RETRY,
});
/** Histories recorded before the change (tests/fixtures/histories) scheduled it as a normal activity. */
const projectTask: DubanActivities['projectTask'] = (input) =>
  patched('projection-as-activity')
    ? projectTaskV1(input)
    : patched('projection-as-local-activity')
      ? projectTaskLocal(input)
      : projectTaskV1(input);
/** Notices may take a while (many recipients, slow SMTP) but heartbeat: a dead worker is noticed in seconds. */
const { deliverNotice } = proxyActivities<DubanActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: RETRY,
});

/**
 * Which execution of the workflow makes a projection, for the read model to
 * order writes by (activities/index.ts): the run's start (a continued-as-new run
 * starts its history over), the history length when the workflow task started,
 * and that task's time. The history length alone repeats: every retry of a
 * failing workflow task, and the task that replaces one lost in an engine
 * restart, starts at the same event id as the attempt before it, whose local
 * activities may still be writing. A later attempt starts later.
 */
function projectionOrder(): string {
  const info = workflowInfo();
  const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0');
  return [pad(info.runStartTime.getTime(), 15), pad(info.historyLength, 10), pad(Date.now(), 15)].join('.');
}

/** Continue as new well before history gets large; the state is small and carried whole. */
const MAX_HISTORY_EVENTS = 2_000;
/** How many recent changes the history query keeps (and continue-as-new carries). */
const HISTORY_SUMMARY_SIZE = 50;

/** Refuse a command: the code is the contract, the details carry the Chinese text users read first. */
function reject(code: RejectionCode, en: string, zh: string = en): never {
  throw ApplicationFailure.create({ type: code, message: en, details: [{ zh }], nonRetryable: true });
}

const OPEN: TaskStatus[] = ['DRAFT', 'ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED'];

/** The notices of a periodic report's ladder carry their period as a pseudo-milestone `report:<due>`. */
const REPORT_PERIOD_TITLE = '定期报送';
const isReportNotice = (n: EscalationNotice) => !!n.milestone?.id?.startsWith('report:');

export function noticeKey(taskId: string, n: EscalationNotice): string {
  const about = n.milestone ? `m:${n.milestone.id ?? n.milestone.dueDate}` : `d:${n.dueDate ?? ''}`;
  return `${taskId}:${n.kind}:${n.date}:${about}`;
}

export async function reformTask(input: ReformTaskInput): Promise<TaskSnapshot> {
  const nowIso = (): Instant => new Date(Date.now()).toISOString();
  const today = () => shanghaiDate(Date.now());

  // Handlers must exist before the first await, or an Update delivered with the
  // first workflow task is rejected; they wait for `ready` before acting.
  const state: TaskState = input.carried ?? {
    taskId: input.taskId,
    planId: input.planId,
    title: input.title,
    status: 'DRAFT',
    leadDepartmentId: input.leadDepartmentId ?? null,
    cooperatingDepartmentIds: input.cooperatingDepartmentIds ?? [],
    // Input from whoever started the workflow is checked too: an impossible date is dropped, never thrown on.
    dueDate: isPlausibleDate(input.dueDate) ? input.dueDate : null,
    milestones: (input.milestones ?? []).filter((m) => isPlausibleDate(m.dueDate)),
    indicators: input.indicators ?? [],
    assignedOn: null,
    acknowledgedOn: null,
    progress: 0,
    escalationLevel: 0,
    thresholds: input.thresholds ?? {},
    noticeTime: input.noticeTime,
    extensionRules: input.extensionRules ?? {},
    extensionsApproved: 0,
    pendingExtension: null,
    pendingClosure: null,
    sentNotices: [],
    seq: 0,
    calendar: { overrides: [], officialYears: [] },
  };
  let ready = !!input.carried;
  /**
   * Every Update's checks run twice: when it is accepted, and again as its
   * handler starts. Two commands accepted in one activation (two reviews of one
   * closure) must not both act: the second sees what the first changed and is
   * refused with the rule's own reason, changing nothing.
   *
   * The second check must run in the same synchronous step as the change it
   * guards. Before 'update-checks-at-change' each handler awaited `ready` once
   * more after the check, so two handlers both passed their checks before either
   * changed anything (the soak's two reviews of one closure: the second review's
   * projection named no closure and failed on every retry, holding back every
   * later projection of the task; two extension requests left two PENDING rows).
   */
  const onUpdate = ((
    def: Parameters<typeof setHandler>[0],
    handler: (...args: unknown[]) => Promise<unknown>,
    options?: { validator?: (...args: unknown[]) => void },
  ) =>
    setHandler(
      def as never,
      (async (...args: unknown[]) => {
        await condition(() => ready);
        checksAtChange ??= patched('update-checks-at-change');
        options?.validator?.(...args);
        return handler(...args);
      }) as never,
      options as never,
    )) as unknown as typeof setHandler;
  /** Set as the first Update handler runs (see onUpdate); histories without the patch keep each handler's own await. */
  let checksAtChange: boolean | undefined;
  let calendar: WorkingCalendar = createCalendar(state.calendar.overrides, {
    officialYears: state.calendar.officialYears,
  });
  let dirty = 0;
  /**
   * Projections run one at a time, in seq order. Two local activities in flight
   * from one activation (an Update's commit and the main loop's) resolve in
   * separate activations the first time but in one activation on replay, so the
   * Update's completion and the next timer swapped places and the history could
   * not be replayed (issue 10). One at a time, every resolution is its own
   * activation both times.
   */
  let projecting: Promise<unknown> = Promise.resolve();
  let reloadCalendar = false;
  let reloadSettings = false;

  /** Nothing dated before the assignment counts: not for notices, not for the light. */
  const skipBeforeAssignment = patched('no-notices-before-assignment');
  /** The milestones that are chased: an old plan text's dates (before assignment, or flagged past at import) are not. */
  const liveMilestones = () =>
    skipBeforeAssignment
      ? state.milestones.filter(
          (m) =>
            !(m as { past?: boolean }).past &&
            !(state.assignedOn && isPlausibleDate(m.dueDate) && compareDates(m.dueDate, state.assignedOn) < 0),
        )
      : state.milestones;

  const plan = (): EscalationNotice[] =>
    planEscalation(
      {
        assignedOn: state.assignedOn,
        acknowledgedOn: state.acknowledgedOn,
        dueDate: state.dueDate,
        status: state.status,
        milestones: liveMilestones(),
        subject: 'TASK',
      },
      calendar,
      { thresholds: state.thresholds, noticeTime: state.noticeTime },
    );

  /**
   * Notices not yet sent. A notice dated before the task was assigned (a
   * milestone copied from an old plan's text) is never sent: the office hears
   * about past dates in the import preview, departments are not chased for them.
   */
  const unsent = (): EscalationNotice[] =>
    [...plan(), ...reportPlan()].filter(
      (n) =>
        !state.sentNotices.includes(noticeKey(state.taskId, n)) &&
        !(skipBeforeAssignment && state.assignedOn && compareDates(n.date, state.assignedOn) < 0),
    );

  /** 序时进度 and the plan's settings read at the start (a plan's settings apply to tasks started after they were set). */
  const scheduleLights = patched('schedule-health');
  /** 督办单: formal notices get a register number and are answered and closed on the task. */
  const ordersOn = patched('supervision-orders');
  /** 报送频次: periodic reports owed and chased on the ladder. */
  const cadenceOn = patched('report-cadence');
  const cadence = () => (cadenceOn ? parseCadenceCode(state.cadence) : null);
  /** The ladder for the oldest report still owed: the same rules as a deadline (subject REPORT). */
  const reportPlan = (): EscalationNotice[] => {
    const c = cadence();
    const p = state.period;
    if (!c || !p || (state.status !== 'ASSIGNED' && state.status !== 'IN_PROGRESS')) return [];
    return planEscalation({ assignedOn: p.from, dueDate: p.due, status: 'ASSIGNED', subject: 'REPORT' }, calendar, {
      thresholds: state.thresholds,
      noticeTime: state.noticeTime,
    })
      .filter((n) => compareDates(n.date, p.from) >= 0)
      .map((n) => ({ ...n, milestone: { id: `report:${p.due}`, title: REPORT_PERIOD_TITLE, dueDate: p.due } }));
  };
  const healthArgs = (): [HealthInput, { warningDaysBefore?: number; schedule?: TaskState['schedule'] }] => [
    {
      status: state.status,
      dueDate: state.dueDate,
      milestones: liveMilestones(),
      latestProgress: state.progress,
      ...(scheduleLights ? { assignedOn: state.assignedOn, previous: state.light ?? null } : {}),
    },
    {
      warningDaysBefore: state.thresholds.warningDaysBefore,
      ...(scheduleLights && state.schedule ? { schedule: state.schedule } : {}),
    },
  ];
  const assess = () => {
    const [i, o] = healthArgs();
    return assessHealth(i, Date.now(), calendar, o);
  };
  const health = () => assess().health;

  const snapshot = (): TaskSnapshot => ({
    taskId: state.taskId,
    status: state.status,
    leadDepartmentId: state.leadDepartmentId,
    cooperatingDepartmentIds: state.cooperatingDepartmentIds,
    dueDate: state.dueDate,
    assignedOn: state.assignedOn,
    acknowledgedOn: state.acknowledgedOn,
    progress: state.progress,
    escalationLevel: state.escalationLevel,
    pendingExtension: state.pendingExtension,
    pendingClosure: state.pendingClosure,
    seq: state.seq,
  });

  /** Record a change: bump the version, project it (with its timeline event), wake the ladder. */
  async function commit(
    event: Omit<TaskEventRecord, 'id' | 'at'>,
    extra: Parameters<DubanActivities['projectTask']>[0]['extra'] = {},
  ): Promise<TaskSnapshot> {
    state.seq += 1;
    dirty += 1;
    const at = nowIso();
    state.recent = [
      ...(state.recent ?? []),
      {
        at,
        kind: event.kind,
        status: state.status,
        ...(event.actor ? { by: event.actor.userId, role: event.actor.role } : {}),
      },
    ].slice(-HISTORY_SUMMARY_SIZE);
    const payload: Parameters<DubanActivities['projectTask']>[0] = {
      task: projectedTask(),
      event: { ...event, id: `${state.taskId}:${state.seq}`, at },
      extra,
    };
    // The answer is the task as this change left it, whatever commands run meanwhile.
    const snap = snapshot();
    if (patched('serialized-projection')) {
      const run = projecting.then(() => projectTask(payload));
      projecting = run.catch(() => undefined);
      await run;
    } else {
      await projectTask(payload);
    }
    return snap;
  }

  function transition(to: TaskStatus): { fromStatus: TaskStatus; toStatus: TaskStatus } {
    const from = state.status;
    state.status = to;
    return { fromStatus: from, toStatus: to };
  }

  // ─── checks (validators: a rejection changes nothing) ─────────────────────
  /** Role, involvement and state come from the one access rule in domain/access. */
  const requireAllowed = (a: Actor, action: TaskAction) => {
    const r = refusal(a, accessView(), action);
    if (r) reject(r.code as RejectionCode, r.en, r.zh);
  };
  const accessView = () => ({
    status: state.status,
    leadDepartmentId: state.leadDepartmentId,
    cooperatingDepartmentIds: state.cooperatingDepartmentIds,
    dueDate: state.dueDate,
    hasPendingExtension: !!state.pendingExtension,
    hasPendingClosure: !!state.pendingClosure,
  });
  const requireText = (value: string | undefined, what: string, whatZh: string) => {
    if (typeof value !== 'string' || !value.trim())
      reject('INVALID_INPUT', `${what} is required.`, `${whatZh}不能为空。`);
  };
  /** Every date a user gives goes through the one domain parser: an impossible day is refused here. */
  const requireDate = (value: string | null | undefined, what: string, whatZh: string) => {
    if (!isPlausibleDate(value)) {
      reject('INVALID_INPUT', `${what} is not a valid date: ${value}`, `${whatZh}不是有效日期：${value}`);
    }
  };

  // ─── commands ────────────────────────────────────────────────────────────
  onUpdate(
    defs.assignUpdate,
    async (cmd) => {
      if (!checksAtChange) await condition(() => ready);
      const wasDraft = state.status === 'DRAFT';
      const leadChanged = cmd.leadDepartmentId !== state.leadDepartmentId;
      const before = { lead: state.leadDepartmentId, dueDate: state.dueDate };
      state.leadDepartmentId = cmd.leadDepartmentId;
      state.cooperatingDepartmentIds = (cmd.cooperatingDepartmentIds ?? []).filter((d) => d !== cmd.leadDepartmentId);
      if (cmd.dueDate !== undefined) state.dueDate = cmd.dueDate;
      if (cmd.milestones) state.milestones = cmd.milestones;
      let change = {};
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
      if (!checksAtChange) await condition(() => ready);
      state.acknowledgedOn = today();
      return commit({ kind: 'ACKNOWLEDGED', actor: cmd.actor, ...transition('IN_PROGRESS') });
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
      if (!checksAtChange) await condition(() => ready);
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
      if (!checksAtChange) await condition(() => ready);
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
          { today: today(), dueDate: state.dueDate, approvedSoFar: state.extensionsApproved ?? 0 },
          calendar,
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
      if (!checksAtChange) await condition(() => ready);
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
      if (!checksAtChange) await condition(() => ready);
      state.pendingClosure = { id: uuid4(), requestedBy: cmd.actor.userId, summary: cmd.summary, at: nowIso() };
      return commit(
        { kind: 'CLOSURE_REQUESTED', actor: cmd.actor, ...transition('CLOSURE_REQUESTED'), reason: cmd.summary },
        { closure: { ...state.pendingClosure, status: 'PENDING' } },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REQUEST_CLOSURE');
        requireText(cmd.summary, 'Summary of the work done', '办结情况说明');
      },
    },
  );

  onUpdate(
    defs.reviewClosureUpdate,
    async (cmd) => {
      if (!checksAtChange) await condition(() => ready);
      const req = state.pendingClosure!;
      state.pendingClosure = null;
      const change = transition(cmd.approve ? 'CLOSED' : 'IN_PROGRESS');
      if (cmd.approve) state.progress = 100;
      return commit(
        { kind: cmd.approve ? 'CLOSED' : 'CLOSURE_RETURNED', actor: cmd.actor, reason: cmd.reason, ...change },
        {
          closure: {
            ...req,
            status: cmd.approve ? 'APPROVED' : 'RETURNED',
            reviewerId: cmd.actor.userId,
            reason: cmd.reason,
            decidedAt: nowIso(),
          },
        },
      );
    },
    {
      validator: (cmd) => {
        requireAllowed(cmd.actor, 'REVIEW_CLOSURE');
        if (!cmd.approve) requireText(cmd.reason, 'Reason for returning', '退回理由');
      },
    },
  );

  onUpdate(
    defs.escalateUpdate,
    async (cmd) => {
      if (!checksAtChange) await condition(() => ready);
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
      if (!checksAtChange) await condition(() => ready);
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
      if (!checksAtChange) await condition(() => ready);
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
      if (!checksAtChange) await condition(() => ready);
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
      if (!checksAtChange) await condition(() => ready);
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

  setHandler(defs.calendarChangedSignal, () => {
    reloadCalendar = true;
    dirty += 1;
  });
  let resync = false;
  setHandler(defs.resyncSignal, () => {
    resync = true;
    dirty += 1;
  });
  setHandler(defs.settingsChangedSignal, () => {
    reloadSettings = true;
    dirty += 1;
  });
  setHandler(defs.stateQuery, () => state);
  setHandler(defs.historyQuery, () => state.recent ?? []);
  setHandler(defs.pendingNoticesQuery, (): PlannedNotice[] =>
    unsent()
      .filter((n) => instantMs(n.fireAt) > Date.now())
      .map((n) => ({
        key: noticeKey(state.taskId, n),
        kind: n.kind,
        level: n.level,
        date: n.date,
        fireAt: n.fireAt,
        recipients: n.recipients,
        ...(n.milestone ? { milestone: n.milestone.title ?? n.milestone.dueDate } : {}),
      })),
  );

  if (!input.carried) {
    state.calendar = await loadCalendar();
    calendar = createCalendar(state.calendar.overrides, { officialYears: state.calendar.officialYears });
    if (scheduleLights) await applySettings();
    if (cadenceOn) state.cadence = parseCadenceCode(input.reportCadence) ? input.reportCadence : null;
    // The row, its cooperators and milestones were written by whoever created the task.
    await commit({ kind: 'CREATED', actor: input.createdBy, toStatus: 'DRAFT' });
    ready = true;
  }

  async function applySettings(): Promise<void> {
    const s = await loadPlanSettings(state.planId);
    state.thresholds = s.thresholds;
    state.noticeTime = s.noticeTime;
    state.extensionRules = s.extensionRules ?? {};
    if (scheduleLights) state.schedule = s.schedule ?? {};
    if (ordersOn) state.orderRules = s.orders ?? {};
  }

  /** Send a notice; a formal one (level 2+) becomes a numbered 督办单 the lead department answers. */
  async function sendNotice(n: NoticeToSend): Promise<void> {
    const formal = ordersOn && isFormalNotice(n.level) && !!state.leadDepartmentId;
    // Open in the state before the register row exists: no projection can miss it.
    if (formal && !(state.orders ?? []).some((o) => o.id === n.key))
      state.orders = [...(state.orders ?? []), { id: n.key, status: 'ISSUED' }];
    await deliverNotice(
      formal ? { ...n, order: { replyBy: orderReplyBy(today(), calendar, state.orderRules ?? {}) } } : n,
    );
  }

  const scheduleMode = () => scheduleLights && state.schedule?.mode === 'SCHEDULE';

  /**
   * 序时进度's two-yellow rule: a week counts when the light was yellow from its
   * Monday to its end; after `escalateAfterYellowWeeks` such weeks in a row a
   * 督办单 goes out by itself, once per streak. `ended` is the light held since
   * the last look (state.light, before this look updates it).
   */
  async function weeklyLook(ended: ReturnType<typeof health>): Promise<void> {
    const after = state.schedule?.escalateAfterYellowWeeks ?? 2;
    if (!scheduleMode() || after <= 0 || state.status === 'DRAFT') return;
    const week = weekStart(today());
    const mark = state.weekMark;
    state.weekMark = week;
    if (!mark || compareDates(week, mark) <= 0) return;
    const since = state.light?.since;
    if (ended !== 'YELLOW' || !since) {
      state.lagRaised = false;
      return;
    }
    const firstFull = since === weekStart(since) ? since : addCalendarDays(weekStart(since), 7);
    const weeks = Math.max(0, Math.floor((toDayNumber(week) - toDayNumber(firstFull)) / 7));
    if (weeks < after || state.lagRaised) return;
    state.lagRaised = true;
    const seq = state.seq + 1;
    state.escalationLevel = Math.max(state.escalationLevel, 2) as 0 | 1 | 2 | 3;
    await commit({ kind: 'ESCALATED', data: { level: 2, auto: 'YELLOW_WEEKS', weeks } });
    await sendNotice({
      key: `${state.taskId}:LAGGING:${seq}`,
      taskId: state.taskId,
      planId: state.planId,
      kind: 'LAGGING',
      level: 2,
      fireAt: nowIso(),
      recipients: ['DEPARTMENT_HEAD', 'OFFICE'],
      departmentIds: state.leadDepartmentId ? [state.leadDepartmentId] : [],
      title: state.title,
      dueDate: state.dueDate,
    });
  }

  /** What every projection writes: the task as the workflow holds it now. */
  function projectedTask(): Parameters<DubanActivities['projectTask']>[0]['task'] {
    return {
      ...snapshot(),
      health: health(),
      milestones: state.milestones,
      title: state.title,
      planId: state.planId,
      attempt: workflowInfo().historyLength,
      ...(state.orders ? { orders: state.orders } : {}),
      ...(cadenceOn ? { reportCadence: state.cadence ?? null } : {}),
      order: projectionOrder(),
    };
  }

  /** The current state, for the read model to take whole: no event of its own (a resync). */
  function reprojection(): Parameters<DubanActivities['projectTask']>[0] {
    return {
      task: projectedTask(),
      event: { id: `${state.taskId}:${state.seq}`, at: nowIso(), kind: 'RESYNC' },
      resync: true,
    };
  }

  // ─── the ladder ──────────────────────────────────────────────────────────
  let lastHealth = health();
  while (OPEN.includes(state.status)) {
    if (reloadCalendar) {
      reloadCalendar = false;
      state.calendar = await loadCalendar();
      calendar = createCalendar(state.calendar.overrides, { officialYears: state.calendar.officialYears });
    }
    if (reloadSettings) {
      reloadSettings = false;
      await applySettings();
    }

    if (resync) {
      resync = false;
      // Same seq, a later workflow task: it wins over a phantom of a lost one and removes it.
      const payload = reprojection();
      const run = projecting.then(() => projectTask(payload));
      projecting = run.catch(() => undefined);
      await run;
    }

    const now = Date.now();
    const pending = unsent();
    const due = pending.filter((n) => instantMs(n.fireAt) <= now);
    for (const n of due) {
      const key = noticeKey(state.taskId, n);
      const report = isReportNotice(n);
      await sendNotice({
        key,
        taskId: state.taskId,
        planId: state.planId,
        kind: report ? (n.level === 0 ? 'REPORT_REMINDER' : 'REPORT_LATE') : n.kind,
        level: n.level,
        fireAt: n.fireAt,
        recipients: n.recipients,
        departmentIds: state.leadDepartmentId ? [state.leadDepartmentId] : [],
        title: state.title,
        dueDate: report ? state.dueDate : (n.dueDate ?? n.milestone?.dueDate ?? null),
        ...(report ? { reportDue: n.milestone!.dueDate } : {}),
      });
      state.sentNotices.push(key);
      const kind = report ? 'REPORT_NOTICE' : n.milestone ? 'MILESTONE_NOTICE' : 'NOTICE';
      if (!n.milestone && n.level > state.escalationLevel) state.escalationLevel = n.level;
      await commit({ kind, data: { notice: n.kind, level: n.level, key } });
    }
    if (scheduleLights) await weeklyLook(lastHealth);
    const judged = assess();
    const h = judged.health;
    if (h !== lastHealth && due.length === 0) {
      await commit({
        kind: 'HEALTH',
        data: {
          from: lastHealth,
          to: h,
          ...(scheduleLights
            ? { reason: judged.reason, progress: state.progress, expected: judged.expected ?? null }
            : {}),
        },
      });
    }
    if (scheduleLights) {
      state.light =
        state.light?.health === h
          ? { ...state.light, reason: judged.reason }
          : { health: h, reason: judged.reason, since: today() };
    }
    lastHealth = h;

    if (
      workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY_EVENTS) ||
      workflowInfo().continueAsNewSuggested
    ) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof reformTask>({ ...input, carried: state });
    }

    // Sleep until the next notice or the next change of light (end of the due day), or a change.
    const wakeups = unsent().map((n) => instantMs(n.fireAt));
    if (state.dueDate && state.status !== 'DRAFT') wakeups.push(instantMs(endOfDay(state.dueDate)));
    if (scheduleMode() && state.status !== 'DRAFT') {
      // 序时进度: wake when the light would change as working days pass, and at the next week while yellow.
      const [i, o] = healthArgs();
      const change = nextHealthChange(i, Date.now(), calendar, o);
      if (change !== null) wakeups.push(change);
      if (lastHealth === 'YELLOW') wakeups.push(instantMs(endOfDay(addCalendarDays(weekStart(today()), 6))));
    }
    const next = wakeups.filter((t) => t > Date.now()).sort((a, b) => a - b)[0];
    const seen = dirty;
    await condition(() => dirty !== seen, next === undefined ? undefined : next - Date.now());
  }

  await condition(allHandlersFinished);
  if (patched('final-projection')) {
    // A closed workflow takes no resync, so its read model must hold the final state before it
    // returns: projected once more by a regular activity, which runs only after this workflow
    // task is committed and retries until it has written. Its order is the latest of the run.
    const payload = reprojection();
    const run = projecting.then(() => projectTaskV1(payload));
    projecting = run.catch(() => undefined);
    await run;
  }
  return snapshot();
}
