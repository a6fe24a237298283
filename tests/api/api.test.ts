/**
 * The GraphQL API end to end: real HTTP server, real SQLite, the embedded
 * engine in dev mode (createLocal) with the real worker. Authentication,
 * the authorization matrix, bad input, N+1 and the ledger export.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import { createPrisma, type PrismaClient } from '../../prisma/client.ts';
import { ENGINE_BIN, freshDatabase, seedOrg, workflowBundle, postGraphQL } from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';
import { retryingStart } from '../support/harness.ts';

const SEED = fs.readFileSync(
  path.join(import.meta.dirname, '..', 'fixtures', 'seeds', 'dehui-county-medical-community-plan-2023.txt'),
  'utf8',
);

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let counted: PrismaClient;
let queries: string[] = [];
let server: RunningServer;
let worker: Worker;
let running: Promise<void>;
const tokens: Record<string, string> = {};

const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  postGraphQL(server.url, query, variables, token);

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on MutationLoginSuccess { data { token user { username role } } } ... on DubanError { code message messageEn } } }`;

async function login(username: string, password = 'test-password') {
  const r = await gql(LOGIN, { u: username, p: password });
  return r.data.login;
}

let planId: string;
let taskIds: string[] = [];
let leadOf: Record<string, string> = {};

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  counted = createPrisma(db.config.databaseUrl, { onQuery: (q) => queries.push(q) });
  env = await retryingStart(() =>
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: ENGINE_BIN } },
    }),
  );
  await seedOrg(prisma, ['市卫健局', '市财政局', '市医保局']); // office, supervisor, dept01–03
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: db.config.temporal.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ prisma, config: db.config }),
  });
  running = worker.run();
  server = await startServer(
    { prisma: counted, config: db.config, temporal: env.client },
    { port: 0, host: '127.0.0.1' },
  );
  for (const u of ['office', 'supervisor', 'dept01', 'dept02', 'dept03']) tokens[u] = (await login(u)).data.token;
}, 120_000);

afterAll(async () => {
  await server?.close();
  worker?.shutdown();
  await running;
  await keepHistories(env?.client, 'api');
  await env?.teardown();
  await counted?.$disconnect();
  await prisma?.$disconnect();
});

describe('authentication', () => {
  it('signs in with a session cookie (HttpOnly, SameSite=Lax) and a bearer token, and signs out', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: LOGIN, variables: { u: 'office', p: 'test-password' } }),
    });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^duban_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    const session = cookie.split(';')[0]!;
    const me = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session },
      body: JSON.stringify({ query: '{ me { username role } }' }),
    });
    expect((await me.json()).data.me).toEqual({ username: 'office', role: 'OFFICE' });
    // A cookie-authenticated form post (CSRF shape) is refused.
    const csrf = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session },
      body: 'query=%7Bme%7Busername%7D%7D',
    });
    expect(csrf.status).toBe(403);
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    const after = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect((await after.json()).data.me).toBeNull();
    // Passwords are stored hashed.
    const stored = await prisma.user.findUniqueOrThrow({ where: { username: 'office' } });
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    expect(stored.passwordHash).not.toContain('test-password');
  });

  it('says clearly when credentials are wrong, and rate-limits repeated failures', async () => {
    const wrong = await login('supervisor', 'nope');
    expect(wrong).toMatchObject({
      __typename: 'DubanError',
      code: 'INVALID_CREDENTIALS',
      message: '用户名或密码错误。',
    });
    for (let i = 0; i < 4; i++) await login('supervisor', 'nope');
    const blocked = await login('supervisor', 'test-password');
    expect(blocked).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(blocked.message).toMatch(/登录失败次数过多/);
  });

  it('refuses anonymous reads with UNAUTHENTICATED', async () => {
    const r = await gql('{ tasks(first: 5) { edges { node { title } } } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(r.errors?.[0]?.message).toBe('请先登录。');
  });
});

describe('import and the authorization matrix', () => {
  it('previews a plan (dry run) without writing, then imports it as DRAFT tasks', async () => {
    const q = `mutation($text: String!, $dry: Boolean) { importPlan(text: $text, dryRun: $dry) {
      __typename ... on MutationImportPlanSuccess { data { preview { title tasks { title lead cooperating unassigned } warnings } plan { id taskCount } } }
      ... on DubanError { code message } } }`;
    const dry = await gql(q, { text: SEED, dry: true }, tokens.office);
    expect(dry.data.importPlan.data.preview.title).toBe('德惠市全面推进紧密型县域医疗卫生服务共同体建设实施方案');
    expect(dry.data.importPlan.data.preview.tasks).toHaveLength(24);
    expect(dry.data.importPlan.data.plan).toBeNull();
    expect(await prisma.plan.count()).toBe(0);

    const bad = await gql(q, { text: '这不是一份方案。', dry: true }, tokens.office);
    expect(bad.data.importPlan).toMatchObject({ __typename: 'DubanError', code: 'IMPORT_FAILED' });

    const denied = await gql(q, { text: SEED, dry: false }, tokens.dept01);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const real = await gql(q, { text: SEED, dry: false }, tokens.office);
    planId = real.data.importPlan.data.plan.id;
    expect(real.data.importPlan.data.plan.taskCount).toBe(24);
    const tasks = await prisma.task.findMany({ where: { planId }, orderBy: { sortOrder: 'asc' } });
    taskIds = tasks.map((t) => t.id);
    leadOf = Object.fromEntries(tasks.map((t) => [t.id, t.leadDepartmentId!]));
    // Workflows project CREATED: every task DRAFT with a timeline.
    await expect
      .poll(async () => prisma.taskEvent.count({ where: { kind: 'CREATED', task: { planId } } }), { timeout: 20_000 })
      .toBe(24);
  });

  it('lets only the office assign; a department then acknowledges only its own task', async () => {
    const health = (await prisma.department.findUniqueOrThrow({ where: { name: '市卫健局' } })).id;
    // Staff of 市卫健局 in the import are the seeded dept01 (same name).
    const [t0] = taskIds.filter((id) => leadOf[id] === health);
    const assign = `mutation($t: ID!, $d: ID!, $due: String) { assignTask(taskId: $t, leadDepartmentId: $d, dueDate: $due) {
      __typename ... on MutationAssignTaskSuccess { data { status dueDate leadDepartment { name } } } ... on DubanError { code message } } }`;
    const bySupervisor = await gql(assign, { t: t0, d: health, due: '2027-06-30' }, tokens.supervisor);
    // The one access rule (domain/access) answers, as a typed error of the mutation.
    expect(bySupervisor.data.assignTask).toMatchObject({ __typename: 'DubanError', code: 'FORBIDDEN' });
    const badDate = await gql(assign, { t: t0, d: health, due: '2027-13-45' }, tokens.office);
    // Input validation runs before the resolver (and before authorization hooks could be bypassed): a top-level typed error.
    expect(badDate.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(badDate.errors?.[0]?.message).toBe('输入有误：完成时限不是有效日期（格式 YYYY-MM-DD）');
    const ok = await gql(assign, { t: t0, d: health, due: '2027-06-30' }, tokens.office);
    expect(ok.data.assignTask.data).toEqual({
      status: 'ASSIGNED',
      dueDate: '2027-06-30',
      leadDepartment: { name: '市卫健局' },
    });

    const ack = `mutation($t: ID!) { acknowledgeTask(taskId: $t) { __typename ... on MutationAcknowledgeTaskSuccess { data { status } } ... on DubanError { code message } } }`;
    const eventsBefore = await prisma.taskEvent.count({ where: { taskId: t0 } });
    const notificationsBefore = await prisma.notification.count();
    const other = await gql(ack, { t: t0 }, tokens.dept02);
    expect(other.data.acknowledgeTask).toMatchObject({ __typename: 'DubanError', code: 'NOT_INVOLVED' });
    expect(await prisma.taskEvent.count({ where: { taskId: t0 } })).toBe(eventsBefore);
    expect(await prisma.notification.count()).toBe(notificationsBefore);
    const mine = await gql(ack, { t: t0 }, tokens.dept01);
    expect(mine.data.acknowledgeTask.data.status).toBe('IN_PROGRESS');

    // Wrong state: reviewing a closure never requested.
    const review = `mutation($t: ID!) { reviewClosure(taskId: $t, approve: true) { __typename ... on DubanError { code message } } }`;
    const r = await gql(review, { t: t0 }, tokens.office);
    expect(r.data.reviewClosure.code).toMatch(/INVALID_STATE|NO_PENDING_CLOSURE/);
    expect(r.data.reviewClosure.message).toMatch(/状态|没有待审核/);

    // Oversized text is refused with the limit named.
    const report = `mutation($t: ID!, $n: String!) { submitProgressReport(taskId: $t, progress: 10, narrative: $n) { __typename ... on DubanError { code message } } }`;
    const big = await gql(report, { t: t0, n: '字'.repeat(5001) }, tokens.dept01);
    expect(big.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(big.errors?.[0]?.message).toContain('5000');
    const unknown = await gql(report, { t: 'no-such-task', n: '进展' }, tokens.dept01);
    expect(unknown.data.submitProgressReport).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('shows a department only the tasks it leads or cooperates on', async () => {
    const q = `{ tasks(first: 100) { totalCount edges { node { taskId leadDepartment { name } cooperatingDepartments { name } } } } }`;
    const all = await gql(q, {}, tokens.supervisor);
    expect(all.errors, JSON.stringify(all.errors)).toBeUndefined();
    expect(all.data.tasks.totalCount).toBe(24);
    const mine = await gql(q, {}, tokens.dept02);
    const name = '市财政局';
    expect(mine.data.tasks.edges.length).toBeGreaterThan(0);
    expect(mine.data.tasks.edges.length).toBeLessThan(24);
    for (const e of mine.data.tasks.edges) {
      const names = [
        e.node.leadDepartment?.name,
        ...e.node.cooperatingDepartments.map((d: { name: string }) => d.name),
      ];
      expect(names).toContain(name);
    }
    const foreign = taskIds.find((id) => !mine.data.tasks.edges.some((e: any) => e.node.taskId === id))!;
    const one = await gql(`query($id: ID!) { task(id: $id) { title } }`, { id: foreign }, tokens.dept02);
    expect(one.data.task).toBeNull();
  });

  it('loads 50 tasks with departments and latest report in a bounded number of queries (no N+1)', async () => {
    queries = [];
    const r = await gql(
      `{ tasks(first: 50) { edges { node { title leadDepartment { name } cooperatingDepartments { name } latestReport { narrative } indicators { latestActual } } } } }`,
      {},
      tokens.office,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.tasks.edges).toHaveLength(24);
    const selects = queries.filter((q) => /^SELECT/i.test(q.trim()));
    // One query per relation, whatever the number of tasks (the access rule selects cooperators and pending extensions).
    expect(selects.length).toBeLessThanOrEqual(13);
  });

  it('pushes task changes to subscribers over SSE, only those they may see', async () => {
    const subscribe = async (token: string) => {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `subscription { taskChanged(planId: "${planId}") { taskId status } }` }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      const events: any[] = [];
      void (async () => {
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buffer += new TextDecoder().decode(value);
          for (const m of buffer.matchAll(/^data: (.+)$/gm)) {
            const payload = JSON.parse(m[1]!);
            if (payload.data) events.push(payload.data.taskChanged);
          }
          buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
        }
      })();
      return { events, close: () => controller.abort() };
    };
    const health = (await prisma.department.findUniqueOrThrow({ where: { name: '市卫健局' } })).id;
    const dept03 = (await prisma.department.findUniqueOrThrow({ where: { name: '市医保局' } })).id;
    const involving03 = new Set(
      (await prisma.taskCooperator.findMany({ where: { departmentId: dept03 } })).map((c) => c.taskId),
    );
    const target = taskIds.filter((id) => leadOf[id] === health && !involving03.has(id))[1]!;
    const office = await subscribe(tokens.office);
    const outsider = await subscribe(tokens.dept03);
    await new Promise((r) => setTimeout(r, 300));
    const assign = `mutation($t: ID!, $d: ID!) { assignTask(taskId: $t, leadDepartmentId: $d) { __typename } }`;
    const assigned = await gql(assign, { t: target, d: health }, tokens.office);
    expect(assigned.errors, JSON.stringify(assigned.errors)).toBeUndefined();
    expect(assigned.data.assignTask.__typename).toBe('MutationAssignTaskSuccess');
    await expect
      .poll(() => office.events.some((e) => e.taskId === target && e.status === 'ASSIGNED'), { timeout: 10_000 })
      .toBe(true);
    // 市医保局 (dept03) neither leads nor cooperates on it: it hears nothing.
    expect(outsider.events.filter((e) => e.taskId === target)).toEqual([]);
    office.close();
    outsider.close();
  });

  it('refuses queries nested too deep', async () => {
    const deep = `{ plans { sections { children { children { children { children { children { children { children { children { children { children { title } } } } } } } } } } } } }`;
    const r = await gql(deep, {}, tokens.office);
    expect(r.errors?.[0]?.message).toMatch(/查询嵌套过深/);
  });

  it('exports the ledger (台账) as a real .xlsx, and refuses anonymous downloads', async () => {
    const anon = await fetch(`${server.url}/export/ledger.xlsx?planId=${planId}`);
    expect(anon.status).toBe(401);
    const res = await fetch(`${server.url}/export/ledger.xlsx?planId=${planId}`, {
      headers: { authorization: `Bearer ${tokens.office}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
    const sheet = wb.getWorksheet('任务台账')!;
    expect(sheet.getRow(1).values).toEqual([
      undefined,
      '序号',
      '任务',
      '牵头单位',
      '配合单位',
      '完成时限',
      '当前状态',
      '红黄绿灯',
      '进度',
      '最新进展',
      '督办次数',
      '备注',
    ]);
    expect(sheet.rowCount).toBe(25);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const statuses = new Set<string>();
    sheet.eachRow((row, n) => n > 1 && statuses.add(String(row.getCell(6).value)));
    expect(statuses).toEqual(new Set(['待交办', '已交办', '推进中']));
  });
});
