/**
 * The authorization matrix: every role against every task command and the
 * office / admin operations. A refusal is typed (FORBIDDEN or a more specific
 * code) and leaves no trace: no timeline event, no notification, no change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { ENGINE_BIN, freshDatabase, seedOrg, workflowBundle, type Org, postGraphQL } from '../support/harness.ts';
import { sessionTokens } from './sessions.ts';
import { keepHistories } from '../support/histories.ts';
import { retryingStart } from '../support/harness.ts';

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let server: RunningServer;
let worker: Worker;
let running: Promise<void>;
let org: Org;
let saved: SavedPlan;
const tokens: Record<string, string> = {};

const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  postGraphQL(server.url, query, variables, token);

/** The outcome of a call: 'ok', or the error code (typed union member or top-level). */
function outcome(r: Awaited<ReturnType<typeof gql>>, field: string): string {
  if (r.errors?.length) return r.errors[0]!.extensions?.code ?? r.errors[0]!.message;
  const v = r.data?.[field];
  if (v && v.__typename === 'DubanError') return v.code;
  return 'ok';
}

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  env = await retryingStart(() =>
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: ENGINE_BIN } },
    }),
  );
  // dept01 leads, dept02 cooperates, dept03 is not involved.
  org = await seedOrg(prisma, ['县卫健局', '县财政局', '县医保局']);
  await prisma.user.create({
    data: {
      username: 'admin',
      displayName: '管理员',
      role: 'ADMIN',
      passwordHash: (await prisma.user.findFirstOrThrow()).passwordHash,
    },
  });
  saved = await savePlan(
    prisma,
    {
      title: '权限测试方案',
      issuer: null,
      doc_number: null,
      departments: ['县卫健局', '县财政局', '县医保局'],
      plan_targets: [],
      warnings: [],
      tasks: [1, 2].map((n) => ({
        path: ['一、任务', `(${n})任务${n}`],
        title: `任务${n}`,
        lead: ['县卫健局'],
        cooperating: ['县财政局'],
        deadlines: [{ text: '2030年底前', date: '2030-12-31' }],
        targets: [],
        recurrence: null,
      })),
    },
    { text: '…', format: 'txt' },
  );
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: db.config.temporal.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ prisma, config: db.config }),
  });
  running = worker.run();
  await startPlanWorkflows(env.client, prisma, db.config.temporal.taskQueue, saved, '权限测试方案');
  server = await startServer({ prisma, config: db.config, temporal: env.client }, { port: 0, host: '127.0.0.1' });
  Object.assign(
    tokens,
    await sessionTokens(server.url, ['admin', 'office', 'supervisor', 'dept01', 'dept02', 'dept03']),
  );
  // Wait until both workflows have projected their CREATED event.
  for (let i = 0; (await prisma.taskEvent.count({ where: { kind: 'CREATED' } })) < 2; i++) {
    if (i > 200) throw new Error('task workflows did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  await server?.close();
  worker?.shutdown();
  await running;
  await keepHistories(env?.client, 'matrix');
  await env?.teardown();
  await prisma?.$disconnect();
});

const ROLES = ['anonymous', 'supervisor', 'dept03', 'dept02', 'dept01', 'office'] as const;
type RoleName = (typeof ROLES)[number];

interface Op {
  name: string;
  field: string;
  query: string;
  vars: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Who may do it, in the state the scenario has put the task in. */
  allowed: RoleName[];
}

const typed = (field: string, args: string, params: string) =>
  `mutation(${params}) { ${field}(${args}) { __typename ... on DubanError { code } } }`;

describe('every role against every task command', () => {
  it('allows exactly the roles docs/domain.md names, and a refusal leaves no trace', async () => {
    const t = () => saved.tasks[0]!.id;
    const lead = () => org.departments[0]!.id;
    // Each step: the operation, and who may do it at that point of the task's life. Steps run in order:
    // the last allowed role performs it after every other role was refused.
    const steps: Op[] = [
      {
        name: 'assign',
        field: 'assignTask',
        query: typed(
          'assignTask',
          'taskId: $t, leadDepartmentId: $d, cooperatingDepartmentIds: $c',
          '$t: ID!, $d: ID!, $c: [ID!]',
        ),
        vars: () => ({ t: t(), d: lead(), c: [org.departments[1]!.id] }),
        allowed: ['office'],
      },
      {
        name: 'acknowledge',
        field: 'acknowledgeTask',
        query: typed('acknowledgeTask', 'taskId: $t', '$t: ID!'),
        vars: () => ({ t: t() }),
        allowed: ['dept01'],
      },
      {
        name: 'contribute (cooperating)',
        field: 'submitProgressReport',
        query: typed('submitProgressReport', 'taskId: $t, progress: 20, narrative: "配合单位的贡献"', '$t: ID!'),
        vars: () => ({ t: t() }),
        allowed: ['dept01', 'dept02'],
      },
      {
        name: 'instruction',
        field: 'addInstruction',
        query: typed('addInstruction', 'taskId: $t, text: "请加快推进"', '$t: ID!'),
        vars: () => ({ t: t() }),
        allowed: ['supervisor'],
      },
      {
        name: 'escalate',
        field: 'escalateTask',
        query: typed('escalateTask', 'taskId: $t, reason: "进度滞后", level: 1', '$t: ID!'),
        vars: () => ({ t: t() }),
        allowed: ['office'],
      },
      {
        name: 'request extension',
        field: 'requestExtension',
        query: typed('requestExtension', 'taskId: $t, newDueDate: "2031-06-30", reason: "配套资金未到位"', '$t: ID!'),
        vars: () => ({ t: t() }),
        allowed: ['dept01'],
      },
      {
        name: 'decide extension',
        field: 'decideExtension',
        // Named by the request, as the contract has it.
        query: typed('decideExtension', 'requestId: $r, approve: true', '$r: ID!'),
        vars: async () => ({ r: (await prisma.extensionRequest.findFirstOrThrow({ where: { taskId: t() } })).id }),
        allowed: ['office'],
      },
      {
        name: 'request closure',
        field: 'requestClosure',
        query: typed('requestClosure', 'taskId: $t, summary: "已完成"', '$t: ID!'),
        vars: () => ({ t: t() }),
        allowed: ['dept01'],
      },
      {
        name: 'review closure',
        field: 'reviewClosure',
        query: typed('reviewClosure', 'taskId: $t, approve: false, comment: "材料不全"', '$t: ID!'),
        vars: () => ({ t: t() }),
        allowed: ['office'],
      },
    ];
    const table: Record<string, Record<string, string>> = {};
    for (const step of steps) {
      table[step.name] = {};
      const refused = ROLES.filter((r) => !step.allowed.includes(r));
      for (const role of refused) {
        const events = await prisma.taskEvent.count({ where: { taskId: t() } });
        const notifications = await prisma.notification.count();
        const before = await prisma.task.findUniqueOrThrow({ where: { id: t() } });
        const r = await gql(step.query, await step.vars(), role === 'anonymous' ? undefined : tokens[role]);
        table[step.name]![role] = outcome(r, step.field);
        expect(await prisma.taskEvent.count({ where: { taskId: t() } }), `${step.name} by ${role} left an event`).toBe(
          events,
        );
        expect(await prisma.notification.count()).toBe(notifications);
        const after = await prisma.task.findUniqueOrThrow({ where: { id: t() } });
        expect(after.projectionSeq, `${step.name} by ${role} changed the task`).toBe(before.projectionSeq);
      }
      const actor = step.allowed.at(-1)!;
      const r = await gql(step.query, await step.vars(), tokens[actor]);
      table[step.name]![actor] = outcome(r, step.field);
    }
    // A department that neither leads nor cooperates gets NOT_INVOLVED (domain/access), whatever the command.
    expect(table).toEqual({
      assign: {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        dept02: 'FORBIDDEN',
        dept01: 'FORBIDDEN',
        office: 'ok',
      },
      acknowledge: {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        dept02: 'NOT_LEAD_DEPARTMENT',
        office: 'FORBIDDEN',
        dept01: 'ok',
      },
      'contribute (cooperating)': {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        office: 'FORBIDDEN',
        dept02: 'ok',
      },
      instruction: {
        anonymous: 'UNAUTHENTICATED',
        dept03: 'NOT_INVOLVED',
        dept02: 'FORBIDDEN',
        dept01: 'FORBIDDEN',
        office: 'FORBIDDEN',
        supervisor: 'ok',
      },
      escalate: {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        dept02: 'FORBIDDEN',
        dept01: 'FORBIDDEN',
        office: 'ok',
      },
      'request extension': {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        dept02: 'NOT_LEAD_DEPARTMENT',
        office: 'FORBIDDEN',
        dept01: 'ok',
      },
      'decide extension': {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        dept02: 'FORBIDDEN',
        dept01: 'FORBIDDEN',
        office: 'ok',
      },
      'request closure': {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        dept02: 'NOT_LEAD_DEPARTMENT',
        office: 'FORBIDDEN',
        dept01: 'ok',
      },
      'review closure': {
        anonymous: 'UNAUTHENTICATED',
        supervisor: 'FORBIDDEN',
        dept03: 'NOT_INVOLVED',
        dept02: 'FORBIDDEN',
        dept01: 'FORBIDDEN',
        office: 'ok',
      },
    });
    // The timeline names who acted (one batched user query per request).
    const timeline = await gql(
      `query($id: ID!) { task(id: $id) { timeline { kind actor { displayName role departmentName } } reports { kind author { displayName } } } }`,
      { id: t() },
      tokens.office,
    );
    const kinds = timeline.data.task.timeline.map((e: any) => [e.kind, e.actor?.displayName ?? null]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['ASSIGNED', '办公室'],
        ['ACKNOWLEDGED', '县卫健局联络员'],
        ['CONTRIBUTED', '县财政局联络员'],
        ['INSTRUCTION', '分管领导'],
        ['CLOSURE_RETURNED', '办公室'],
      ]),
    );
    expect(timeline.data.task.timeline.find((e: any) => e.kind === 'ACKNOWLEDGED').actor).toEqual({
      displayName: '县卫健局联络员',
      role: 'DEPARTMENT',
      departmentName: '县卫健局',
    });
    expect(timeline.data.task.reports).toEqual([{ kind: 'CONTRIBUTION', author: { displayName: '县财政局联络员' } }]);
    // The cooperating department's contribution was recorded as such.
    expect(await prisma.progressReport.findMany({ where: { taskId: t() }, select: { kind: true } })).toEqual([
      { kind: 'CONTRIBUTION' },
    ]);
  });

  it('lets a cooperating department see the task, and an uninvolved one not at all', async () => {
    const q = `query($id: ID!) { task(id: $id) { title } }`;
    expect((await gql(q, { id: saved.tasks[1]!.id }, tokens.dept02)).data.task).toEqual({ title: '任务2' });
    expect((await gql(q, { id: saved.tasks[1]!.id }, tokens.dept03)).data.task).toBeNull();
    expect((await gql(q, { id: saved.tasks[1]!.id }, tokens.supervisor)).data.task).toEqual({ title: '任务2' });
  });

  it('keeps administration to ADMIN', async () => {
    const create = `mutation { createDepartment(name: "县审计局") { __typename ... on DubanError { code } } }`;
    for (const role of ['office', 'supervisor', 'dept01'] as const) {
      expect(outcome(await gql(create, {}, tokens[role]), 'createDepartment')).toBe('FORBIDDEN');
    }
    expect(outcome(await gql(create, {}, tokens.admin), 'createDepartment')).toBe('ok');
    const users = `{ users { username } }`;
    expect(outcome(await gql(users, {}, tokens.office), 'users')).toBe('FORBIDDEN');
    expect((await gql(users, {}, tokens.admin)).data.users.map((u: { username: string }) => u.username).sort()).toEqual(
      ['admin', 'dept01', 'dept02', 'dept03', 'office', 'supervisor'],
    );
    const cal = `mutation { setCalendarDays(days: [{ date: "2027-01-01", kind: HOLIDAY, name: "元旦" }], official: false) { __typename } }`;
    expect(outcome(await gql(cal, {}, tokens.office), 'setCalendarDays')).toBe('FORBIDDEN');
    expect(outcome(await gql(cal, {}, tokens.admin), 'setCalendarDays')).toBe('ok');
    expect(await prisma.calendarOverride.findUnique({ where: { date: '2027-01-01' } })).toMatchObject({
      kind: 'HOLIDAY',
      name: '元旦',
    });
  });
});
