/**
 * What-if: run the REAL reformTask workflow in the engine's time-skipping
 * mode, with notices captured instead of sent and nothing written to any
 * database, and return the notices it would send, in time order. The same
 * code path serves `duban simulate` and the board's escalation preview.
 */
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DubanActivities } from '../activities/types.ts';
import type { DayOverride } from '../domain/calendar.ts';
import { DEFAULT_REPORT_DUE_WORKING_DAYS, type EscalationThresholds } from '../domain/types.ts';
import * as defs from '../workflows/definitions.ts';
import type { Actor, NoticeToSend } from '../workflows/types.ts';
import { ENGINE_BIN } from './temporal.ts';
import { bundleOptions, createWorker } from './worker.ts';

export interface SimulationInput {
  assigned: string;
  due: string;
  acknowledged?: string;
  reports?: string[];
  settings?: { thresholds?: Partial<EscalationThresholds>; noticeTime?: string };
  calendar?: DayOverride[];
}

export interface SimulatedNotice {
  kind: string;
  /** Local time in Asia/Shanghai with offset, e.g. 2026-02-14T09:00:00+08:00. */
  at: string;
  to: string[];
}

const TASK_QUEUE = 'duban-simulation';
const LEAD = 'lead-department';
const OFFICE: Actor = { userId: 'simulation-office', role: 'OFFICE' };
const DEPT: Actor = { userId: 'simulation-department', role: 'DEPARTMENT', departmentId: LEAD };
const DAY = 24 * 3600 * 1000;

export function shanghaiLocal(instant: string): string {
  const d = new Date(new Date(instant).getTime() + 8 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

function captureActivities(input: SimulationInput, sent: NoticeToSend[]): DubanActivities {
  return {
    projectTask: async () => {},
    deliverNotice: async (n) => {
      sent.push(n);
      return { notifications: 0, emails: 0, webhooks: 0 };
    },
    loadCalendar: async () => ({ overrides: input.calendar ?? [], officialYears: [] }),
    loadPlanSettings: async () => ({
      thresholds: input.settings?.thresholds ?? {},
      noticeTime: input.settings?.noticeTime,
      reportDueWorkingDays: DEFAULT_REPORT_DUE_WORKING_DAYS,
    }),
    openRound: async () => ({ roundId: 'simulation-round', taskCount: 1 }),
    roundProgress: async (roundId) => ({ roundId, missing: [] }),
    closeRound: async () => ({ departments: 0 }),
  };
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundle workflows/ once per process (webpack, ~2 s), without its build log on stdout. */
function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode(bundleOptions());
  return bundle;
}

export async function simulateTask(input: SimulationInput): Promise<SimulatedNotice[]> {
  for (const [k, v] of Object.entries({ assigned: input.assigned, due: input.due, acknowledged: input.acknowledged })) {
    if (v !== undefined && !ISO.test(v)) throw new Error(`--${k} 日期格式应为 YYYY-MM-DD / must be YYYY-MM-DD: ${v}`);
  }
  for (const r of input.reports ?? [])
    if (!ISO.test(r)) throw new Error(`--report 日期格式应为 YYYY-MM-DD / must be YYYY-MM-DD: ${r}`);
  if (input.due < input.assigned) throw new Error('完成时限早于交办日期 / the due date is before the assignment date');
  const notices = await simulateScenario({
    start: input.assigned,
    settings: input.settings,
    calendar: input.calendar,
    tasks: [
      {
        id: 'simulation',
        title: 'simulation',
        due: input.due,
        acknowledged: input.acknowledged,
        reports: input.reports,
      },
    ],
    // Long enough for the last level (10 working days) whatever the holidays.
    until: addDays(input.due, 60),
  });
  return notices.map(({ kind, at, to }) => ({ kind, at, to }));
}

export interface ScenarioTask {
  id: string;
  title: string;
  due: string;
  acknowledged?: string;
  reports?: string[];
}

export interface Scenario {
  /** Assignment day of every task (08:00 Shanghai). */
  start: string;
  tasks: ScenarioTask[];
  /** Quarterly rounds of the plan, with every lead department late (the worst case). */
  rounds?: { planTitle: string; count: number };
  settings?: SimulationInput['settings'];
  calendar?: DayOverride[];
  until: string;
}

const addDays = (date: string, n: number) =>
  new Date(new Date(`${date}T00:00:00Z`).getTime() + n * DAY).toISOString().slice(0, 10);

/** Run tasks (and optionally the plan's quarterly rounds) from `start` to `until` in skipped time. */
export async function simulateScenario(sc: Scenario): Promise<(SimulatedNotice & { task?: string })[]> {
  const sent: NoticeToSend[] = [];
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: { type: 'existing-path', path: ENGINE_BIN },
      extraArgs: ['--initial-time', `${sc.start}T08:00:00+08:00`],
    },
  });
  const titles = new Map(sc.tasks.map((t) => [t.id, t.title]));
  try {
    const activities = captureActivities(
      { assigned: sc.start, due: sc.until, settings: sc.settings, calendar: sc.calendar },
      sent,
    );
    if (sc.rounds) {
      // Nobody reports: every task's lead is chased (the notices an office would see in the worst case).
      activities.roundProgress = async (roundId) => ({
        roundId,
        missing: sc.tasks.map((t) => ({ departmentId: `${LEAD}:${t.id}`, taskIds: [t.id] })),
      });
    }
    const worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities,
    });
    await worker.runUntil(async () => {
      const handles = [];
      for (const t of sc.tasks) {
        const handle = await env.client.workflow.start('reformTask', {
          taskQueue: TASK_QUEUE,
          workflowId: `simulation-${t.id}`,
          args: [
            {
              taskId: t.id,
              planId: 'simulation',
              title: t.title,
              leadDepartmentId: LEAD,
              dueDate: t.due,
              thresholds: sc.settings?.thresholds,
              noticeTime: sc.settings?.noticeTime,
            },
          ],
        });
        await handle.executeUpdate(defs.assignUpdate, {
          args: [{ actor: OFFICE, leadDepartmentId: LEAD, dueDate: t.due }],
        });
        handles.push(handle);
      }
      if (sc.rounds) {
        await env.client.workflow.start('planSupervision', {
          taskQueue: TASK_QUEUE,
          workflowId: 'simulation-plan',
          args: [{ planId: 'simulation', title: sc.rounds.planTitle, maxRounds: sc.rounds.count }],
        });
      }
      const steps: { at: string; run: () => Promise<unknown> }[] = [];
      for (const [i, t] of sc.tasks.entries()) {
        const handle = handles[i]!;
        if (t.acknowledged) {
          steps.push({
            at: t.acknowledged,
            run: () => handle.executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: DEPT }] }),
          });
        }
        for (const r of t.reports ?? []) {
          steps.push({
            at: r,
            run: () =>
              handle.executeUpdate(defs.submitReportUpdate, {
                args: [{ actor: DEPT, progress: 50, narrative: 'simulation' }],
              }),
          });
        }
      }
      steps.sort((a, b) => a.at.localeCompare(b.at));
      const sleepUntil = async (ms: number) => {
        const now = await env.currentTimeMs();
        if (ms > now) await env.sleep(ms - now);
      };
      for (const step of steps) {
        // Users act during office hours: 10:00 on the given day, after that day's 09:00 notices.
        await sleepUntil(new Date(`${step.at}T10:00:00+08:00`).getTime());
        await step.run().catch(() => undefined); // e.g. acknowledging twice: the workflow refuses, the simulation goes on
      }
      await sleepUntil(new Date(`${sc.until}T23:59:59+08:00`).getTime());
    });
  } finally {
    await env.teardown();
  }
  return sent
    .sort((a, b) => a.fireAt.localeCompare(b.fireAt) || a.level - b.level)
    .map((n) => ({
      kind: n.kind,
      at: shanghaiLocal(n.fireAt),
      to: n.recipients,
      ...(n.taskId ? { task: titles.get(n.taskId) ?? n.taskId } : { task: n.title }),
    }));
}
