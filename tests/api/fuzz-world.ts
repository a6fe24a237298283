// The fixture of tests/api/fuzz.test.ts: the embedded engine, the worker, the server, a user per role and
// a task in every state; one state object filled in by setupFuzzWorld() (beforeAll), and what "nothing changed" means.
import { expect } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { Role } from '../../domain/types.ts';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import { hashPassword } from '../../api/auth.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import {
  ENGINE_BIN,
  freshDatabase,
  postGraphQL,
  runTestWorker,
  testPlan,
  type GraphQLResponse,
  type RunningTestWorker,
} from '../support/harness.ts';
import { sessionTokens } from './sessions.ts';
import { keepHistories } from '../support/histories.ts';
import { retryingStart } from '../support/harness.ts';

const EventType = temporal.api.enums.v1.EventType;

export const ROLES = ['anonymous', 'none', 'coop', 'lead', 'supervisor', 'office', 'admin'] as const;
export type RoleName = (typeof ROLES)[number];
export type TaskState =
  'draft' | 'assigned' | 'progress' | 'extension' | 'requested' | 'closed' | 'cancelled' | 'lagging';

export interface FuzzWorld {
  env: TestWorkflowEnvironment;
  prisma: PrismaClient;
  server: RunningServer;
  worker: RunningTestWorker;
  saved: SavedPlan;
  tokens: Partial<Record<RoleName, string>>;
  users: Partial<Record<RoleName, { id: string; role: Role; departmentId: string | null }>>;
  dept: { lead: string; coop: string; none: string };
  /** Fixture tasks by the state they are in. */
  T: Record<TaskState, string>;
}

/** The one fixture state; env, prisma, server, worker and saved are set by setupFuzzWorld(). */
export const world = {
  tokens: {},
  users: {},
  dept: { lead: '', coop: '', none: '' },
  T: {},
} as unknown as FuzzWorld;
const { tokens, users, dept, T } = world;

export const gql = (query: string, variables: Record<string, unknown>, role: RoleName): Promise<GraphQLResponse> =>
  postGraphQL(world.server.url, query, variables, tokens[role]);

async function command(role: RoleName, field: string, args: string, vars: Record<string, unknown> = {}) {
  const params = Object.keys(vars)
    .map((k) => `$${k}: ID!`)
    .join(', ');
  const r = await gql(
    `mutation${params ? `(${params})` : ''} { ${field}(${args}) { __typename ... on DubanError { code message } } }`,
    vars,
    role,
  );
  expect(r.errors, `${field}: ${JSON.stringify(r.errors)}`).toBeUndefined();
  expect(r.data[field].__typename, `${field}: ${JSON.stringify(r.data[field])}`).not.toBe('DubanError');
}

export async function setupFuzzWorld(): Promise<void> {
  const db = await freshDatabase();
  const prisma = db.prisma;
  world.prisma = prisma;
  const env = await retryingStart(() =>
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: ENGINE_BIN } },
    }),
  );
  world.env = env;
  const passwordHash = await hashPassword('test-password');
  const names = { lead: '县卫健局', coop: '县财政局', none: '县医保局' } as const;
  for (const [k, name] of Object.entries(names) as [keyof typeof names, string][]) {
    dept[k] = (await prisma.department.create({ data: { name, sortOrder: Object.keys(dept).indexOf(k) } })).id;
  }
  const people: [RoleName, Role, string | null][] = [
    ['none', 'DEPARTMENT', dept.none],
    ['coop', 'DEPARTMENT', dept.coop],
    ['lead', 'DEPARTMENT', dept.lead],
    ['supervisor', 'SUPERVISOR', null],
    ['office', 'OFFICE', null],
    ['admin', 'ADMIN', null],
  ];
  for (const [username, role, departmentId] of people) {
    const u = await prisma.user.create({
      data: { username, displayName: `${username}用户`, role, departmentId, passwordHash },
    });
    users[username] = { id: u.id, role, departmentId };
  }
  const states = Object.keys({
    draft: 0,
    assigned: 0,
    progress: 0,
    extension: 0,
    requested: 0,
    closed: 0,
    cancelled: 0,
    lagging: 0,
  }) as (keyof typeof T)[];
  const saved = await savePlan(
    prisma,
    testPlan(
      '模糊测试方案',
      states.map((s) => ({ title: `任务-${s}`, lead: names.lead, cooperating: [names.coop], due: '2030-12-31' })),
    ),
    { text: '…', format: 'txt' },
  );
  world.saved = saved;
  states.forEach((s, i) => (T[s] = saved.tasks[i]!.id));
  world.worker = await runTestWorker(env, db.config.temporal.taskQueue, { prisma, config: db.config });
  await startPlanWorkflows(env.client, prisma, db.config.temporal.taskQueue, saved, '模糊测试方案');
  world.server = await startServer({ prisma, config: db.config, temporal: env.client }, { port: 0, host: '127.0.0.1' });
  const signedIn = ROLES.filter((r) => r !== 'anonymous');
  Object.assign(tokens, await sessionTokens(world.server.url, signedIn));
  for (let i = 0; (await prisma.taskEvent.count({ where: { kind: 'CREATED' } })) < states.length; i++) {
    if (i > 300) throw new Error('task workflows did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Put each task in its state through the workflows.
  const assign = 'taskId: $t, leadDepartmentId: $d, cooperatingDepartmentIds: [$c]';
  for (const s of states.filter((x) => !['draft', 'cancelled'].includes(x))) {
    await command('office', 'assignTask', assign, { t: T[s], d: dept.lead, c: dept.coop });
    if (s !== 'assigned') await command('lead', 'acknowledgeTask', 'taskId: $t', { t: T[s] });
  }
  await command('lead', 'requestExtension', 'taskId: $t, newDueDate: "2031-06-30", reason: "资金未到位"', {
    t: T.extension,
  });
  for (const s of ['requested', 'closed', 'lagging'] as const) {
    await command('lead', 'requestClosure', 'taskId: $t, summary: "已完成"', { t: T[s] });
  }
  for (const s of ['closed', 'lagging'] as const) {
    await command(
      'office',
      'reviewClosure',
      'taskId: $t, approve: true, checklist: { factsClear: true, problemSolved: true, materialsComplete: true }',
      { t: T[s] },
    );
  }
  await command('office', 'cancelTask', 'taskId: $t, reason: "方案调整"', { t: T.cancelled });
  await prisma.calendarOverride.create({ data: { date: '2027-10-08', kind: 'WORKDAY', name: '调休' } });
  await prisma.notification.create({
    data: { id: 'notification-lead', userId: users.lead!.id, title: '督办', body: '请推进' },
  });
}

export async function teardownFuzzWorld(): Promise<void> {
  const { server, worker, env, prisma } = world;
  await server?.close();
  await worker?.stop();
  await keepHistories(env?.client, 'api-fuzz');
  await env?.teardown();
  await prisma?.$disconnect();
}

// ─── what "nothing changed" means ───

export async function readModel() {
  const { prisma } = world;
  const [counts, tasks] = await Promise.all([
    Promise.all([
      prisma.plan.count(),
      prisma.task.count(),
      prisma.taskEvent.count(),
      prisma.progressReport.count(),
      prisma.extensionRequest.count(),
      prisma.closureReview.count(),
      prisma.instruction.count(),
      prisma.notice.count(),
      prisma.notification.count({ where: { readAt: null } }),
      prisma.notification.count(),
      prisma.milestone.count(),
      prisma.indicatorActual.count(),
      prisma.user.count(),
      prisma.department.count(),
      prisma.calendarOverride.count(),
      prisma.auditLog.count(),
      prisma.session.count(),
      prisma.supervisionRound.count(),
      prisma.delegation.count({ where: { cancelledAt: null } }),
    ]),
    prisma.task.findMany({ select: { id: true, status: true, projectionSeq: true, title: true, text: true } }),
  ]);
  return JSON.stringify({ counts, tasks });
}

export async function histories(): Promise<{ lengths: Record<string, number>; failed: string[] }> {
  const { env } = world;
  const lengths: Record<string, number> = {};
  const failed: string[] = [];
  for await (const wf of env.client.workflow.list()) {
    const h = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    lengths[`${wf.workflowId}/${wf.runId}`] = h.events?.length ?? 0;
    if (h.events?.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)) failed.push(wf.workflowId);
  }
  return { lengths, failed };
}
