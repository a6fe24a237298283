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
import { allHandlersFinished, condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
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
import { isFormalNotice, orderReplyBy } from '../domain/orders';
import { parseCadenceCode } from '../domain/cadence';
import { assessHealth, nextHealthChange, weekStart, type HealthInput } from '../domain/health';
import { DEFAULT_SCHEDULE_RULES, type Instant } from '../domain/types';
import * as defs from './definitions';
import { reject } from './reject';
import { registerCommands } from './taskCommands';
import { registerResponsibility, responsibilityView } from './taskResponsibility';
import { responsibilityFacts } from '../domain/responsibility';
import type { TaskRuntime } from './taskRuntime';
import type {
  Actor,
  NoticeToSend,
  PlannedNotice,
  ReformTaskInput,
  RejectionCode,
  StartReads,
  TaskEventRecord,
  TaskSnapshot,
  TaskState,
  TaskStatus,
} from './types';

import {
  deliverNotice,
  loadCalendar,
  loadPlanSettings,
  projectTask,
  projectTaskV1,
  projectionOrder,
} from './taskActivities';

/** Continue as new well before history gets large; the state is small and carried whole. */
const MAX_HISTORY_EVENTS = 2_000;
/** How many recent changes the history query keeps (and continue-as-new carries). */
const HISTORY_SUMMARY_SIZE = 50;

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

  const paused = () => !!state.pause;
  const plan = (): EscalationNotice[] =>
    paused()
      ? []
      : planEscalation(
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
  /** 退单, 挂起, 回头看 (taskResponsibility.ts). */
  const respOn = patched('responsibility');
  /** The ladder for the oldest report still owed: the same rules as a deadline (subject REPORT). */
  const reportPlan = (): EscalationNotice[] => {
    const c = cadence();
    const p = state.period;
    if (!c || !p || paused() || (state.status !== 'ASSIGNED' && state.status !== 'IN_PROGRESS')) return [];
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
      ...(scheduleLights ? { assignedOn: scheduleStart(), previous: state.light ?? null } : {}),
    },
    {
      warningDaysBefore: state.thresholds.warningDaysBefore,
      ...(scheduleLights && state.schedule ? { schedule: state.schedule } : {}),
    },
  ];
  /** 序时进度 counts working days from assignment, skipping the days the task was paused. */
  const scheduleStart = () =>
    state.assignedOn && state.pausedDays
      ? calendar.addWorkingDays(state.assignedOn, state.pausedDays)
      : state.assignedOn;
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
      event: {
        ...event,
        // 代理: the timeline shows "王五 代 张三".
        ...(event.actor?.onBehalfOf ? { data: { ...(event.data ?? {}), onBehalfOf: event.actor.onBehalfOf } } : {}),
        id: `${state.taskId}:${state.seq}`,
        at,
      },
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
    ...(respOn ? responsibilityFacts(state.status, state, today()) : {}),
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
  const rt: TaskRuntime = {
    state,
    today,
    nowIso,
    calendar: () => calendar,
    onUpdate,
    checksAtChange: () => checksAtChange,
    isReady: () => ready,
    commit,
    transition,
    requireAllowed,
    requireText,
    requireDate,
    cadenceOn,
    respOn,
    cadence,
    sendNotice,
    wake: () => {
      dirty += 1;
    },
  };
  registerCommands(rt);
  const responsibility = respOn ? registerResponsibility(rt) : null;

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
    // Read by the starter when it could (ReformTaskInput.startWith), else here.
    state.calendar = input.startWith?.calendar ?? (await loadCalendar());
    calendar = createCalendar(state.calendar.overrides, { officialYears: state.calendar.officialYears });
    if (scheduleLights) await applySettings(input.startWith?.settings);
    if (cadenceOn) state.cadence = parseCadenceCode(input.reportCadence) ? input.reportCadence : null;
    // The row, its cooperators and milestones were written by whoever created the task.
    await commit({ kind: 'CREATED', actor: input.createdBy, toStatus: 'DRAFT' });
    ready = true;
  }

  async function applySettings(given?: StartReads['settings']): Promise<void> {
    const s = given ?? (await loadPlanSettings(state.planId));
    state.thresholds = s.thresholds;
    state.noticeTime = s.noticeTime;
    state.extensionRules = s.extensionRules ?? {};
    if (scheduleLights) state.schedule = s.schedule ?? {};
    if (ordersOn) state.orderRules = s.orders ?? {};
    if (respOn) {
      state.responsibilityRules = s.responsibility ?? {};
      state.evidenceRules = s.evidence ?? {};
    }
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
    const after = state.schedule?.escalateAfterYellowWeeks ?? DEFAULT_SCHEDULE_RULES.escalateAfterYellowWeeks;
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
      ...(respOn ? { responsibility: responsibilityView(state) } : {}),
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
  for (;;) {
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

      const later = responsibility ? await responsibility.tick(Date.now()) : [];
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
      // A paused task's light stands still, as its clock does.
      const judged: ReturnType<typeof assess> = paused()
        ? { health: lastHealth, reason: state.light?.reason ?? 'ON_TRACK' }
        : assess();
      const h = judged.health;
      if (h !== lastHealth && due.length === 0) {
        await commit({
          kind: 'HEALTH',
          data: {
            from: lastHealth,
            to: h,
            ...(scheduleLights
              ? {
                  reason: judged.reason,
                  progress: state.progress,
                  expected: judged.expected ?? null,
                }
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
      const wakeups = [...later, ...unsent().map((n) => instantMs(n.fireAt))];
      if (state.dueDate && state.status !== 'DRAFT' && !paused()) wakeups.push(instantMs(endOfDay(state.dueDate)));
      if (scheduleMode() && state.status !== 'DRAFT' && !paused()) {
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
    // 回头看: a closed task waits out its reopening period, then the workflow ends.
    if (!responsibility || !(await responsibility.reopenWindow())) break;
  }
  return snapshot();
}
