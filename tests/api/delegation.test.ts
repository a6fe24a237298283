/**
 * 代理 (acting-for), end to end: real HTTP server, real SQLite, the embedded
 * engine with the real worker. 张三 (卫健局) names 王五 (财政局, 挂职) to act
 * for him; while the range is in force 王五 sees and acts on 卫健局's task,
 * the workflow hears 卫健局 (Actor.departmentId) and onBehalfOf 张三; before
 * and after, 王五 sees nothing of it. Bad ranges are refused, Chinese first,
 * and store nothing. "Today" is the real Asia/Shanghai day (the API's clock).
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import { addCalendarDays, shanghaiDate } from '../../domain/calendar.ts';
import { hashPassword } from '../../api/auth.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import {
  ENGINE_BIN,
  freshDatabase,
  postGraphQL,
  retryingStart,
  runTestWorker,
  testPlan,
  type RunningTestWorker,
} from '../support/harness.ts';
import { sessionTokens } from './sessions.ts';
import { keepHistories } from '../support/histories.ts';

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let server: RunningServer;
let worker: RunningTestWorker;
let saved: SavedPlan;
let taskId: string;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
const dept = { health: '', finance: '' };
const today = shanghaiDate(Date.now());
const day = (n: number) => addCalendarDays(today, n);

const gql = (query: string, variables: Record<string, unknown> = {}, who?: string) =>
  postGraphQL(server.url, query, variables, who ? tokens[who] : undefined);

const CREATE = `mutation($from: ID, $to: ID!, $s: String!, $e: String!, $r: String) {
  createDelegation(fromUserId: $from, toUserId: $to, startsOn: $s, endsOn: $e, reason: $r) {
    __typename ... on MutationCreateDelegationSuccess { data { id startsOn endsOn inForce fromUser { displayName } toUser { displayName } } }
    ... on DubanError { code message messageEn } } }`;
const CANCEL = `mutation($id: ID!) { cancelDelegation(id: $id) {
  __typename ... on MutationCancelDelegationSuccess { data { id cancelledAt } } ... on DubanError { code message } } }`;

async function create(who: string, to: string, s: string, e: string, from?: string) {
  const r = await gql(CREATE, { to, s, e, from: from ?? null, r: '出差' }, who);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data.createDelegation;
}

async function command(who: string, field: string, args: string) {
  const r = await gql(
    `mutation($t: ID!) { ${field}(taskId: $t, ${args}) { __typename ... on DubanError { code message } } }`.replace(
      `(taskId: $t, )`,
      `(taskId: $t)`,
    ),
    { t: taskId },
    who,
  );
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data[field];
}

const sees = async (who: string) => {
  const r = await gql(
    `query($t: ID!) { task(id: $t) { taskId } tasks(first: 50) { totalCount } actingFor { displayName endsOn } }`,
    { t: taskId },
    who,
  );
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return { task: r.data.task?.taskId ?? null, total: r.data.tasks.totalCount, actingFor: r.data.actingFor };
};

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  env = await retryingStart(() =>
    TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: ENGINE_BIN } } }),
  );
  const passwordHash = await hashPassword('test-password');
  dept.health = (await prisma.department.create({ data: { name: '县卫健局', sortOrder: 0 } })).id;
  dept.finance = (await prisma.department.create({ data: { name: '县财政局', sortOrder: 1 } })).id;
  const people: [string, string, string, string | null, boolean?][] = [
    ['zhangsan', '张三', 'DEPARTMENT', dept.health],
    ['lisi', '李四', 'DEPARTMENT', dept.health],
    ['wangwu', '王五', 'DEPARTMENT', dept.finance],
    ['zhaoliu', '赵六', 'DEPARTMENT', dept.finance, false],
    ['office', '督查室', 'OFFICE', null],
  ];
  for (const [username, displayName, role, departmentId, active] of people) {
    const u = await prisma.user.create({
      data: { username, displayName, role, departmentId, passwordHash, active: active ?? true },
    });
    ids[username] = u.id;
  }
  saved = await savePlan(
    prisma,
    testPlan('代理测试方案', [{ title: '推进分级诊疗', lead: '县卫健局', due: '2030-12-31' }]),
    { text: '…', format: 'txt' },
  );
  taskId = saved.tasks[0]!.id;
  worker = await runTestWorker(env, db.config.temporal.taskQueue, { prisma, config: db.config });
  await startPlanWorkflows(env.client, prisma, db.config.temporal.taskQueue, saved, '代理测试方案');
  server = await startServer({ prisma, config: db.config, temporal: env.client }, { port: 0, host: '127.0.0.1' });
  Object.assign(tokens, await sessionTokens(server.url, ['zhangsan', 'lisi', 'wangwu', 'office']));
  for (let i = 0; (await prisma.taskEvent.count({ where: { kind: 'CREATED' } })) < 1; i++) {
    if (i > 300) throw new Error('task workflow did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const assigned = await gql(
    `mutation($t: ID!, $d: ID!) { assignTask(taskId: $t, leadDepartmentId: $d) { __typename ... on DubanError { code message } } }`,
    { t: taskId, d: dept.health },
    'office',
  );
  expect(assigned.data.assignTask.__typename).not.toBe('DubanError');
}, 180_000);

afterAll(async () => {
  await server?.close();
  await worker?.stop();
  await keepHistories(env?.client, 'api-delegation');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('代理: naming a colleague to act for you', () => {
  it('refuses a range in the past with a clear error, Chinese first, and stores nothing', async () => {
    const r = await create('zhangsan', ids.wangwu!, day(-10), day(-1));
    expect(r).toMatchObject({ __typename: 'DubanError', code: 'INVALID_INPUT' });
    expect(r.message).toMatch(/^输入有误：代理期限已经过去/);
    expect(r.messageEn).toMatch(/in the past/);
    expect(await prisma.delegation.count()).toBe(0);
  });

  it('refuses every other bad delegation, storing nothing', async () => {
    const cases: [string, string, string, string, string | undefined, string, RegExp][] = [
      ['zhangsan', ids.wangwu!, day(5), day(2), undefined, 'INVALID_INPUT', /不能早于开始日期/],
      ['zhangsan', ids.wangwu!, day(0), day(400), undefined, 'INVALID_INPUT', /不能超过 366 天/],
      ['zhangsan', ids.zhangsan!, day(0), day(3), undefined, 'INVALID_INPUT', /不能指定本人/],
      ['zhangsan', ids.zhaoliu!, day(0), day(3), undefined, 'INVALID_INPUT', /代理人应为在岗的部门用户/],
      ['zhangsan', ids.office!, day(0), day(3), undefined, 'INVALID_INPUT', /代理人应为在岗的部门用户/],
      ['zhangsan', 'no-such-user', day(0), day(3), undefined, 'INVALID_INPUT', /代理人应为在岗的部门用户/],
      ['zhangsan', ids.wangwu!, '2026-02-30', day(3), undefined, 'INVALID_INPUT', /代理开始日期不是有效日期/],
      ['wangwu', ids.lisi!, day(0), day(3), ids.zhangsan, 'FORBIDDEN', /只能为本人指定代理人/],
    ];
    for (const [who, to, s, e, from, code, message] of cases) {
      const r = await gql(CREATE, { to, s, e, from: from ?? null }, who);
      const got = r.data?.createDelegation ?? r.errors?.[0];
      expect(got?.code ?? got?.extensions?.code, `${s}..${e} → ${to}`).toBe(code);
      expect(got.message, `${s}..${e} → ${to}`).toMatch(message);
    }
    expect(await prisma.delegation.count()).toBe(0);
  });

  it('an upcoming delegation grants nothing yet; an overlapping one is refused', async () => {
    const up = await create('zhangsan', ids.wangwu!, day(1), day(5));
    expect(up).toMatchObject({
      __typename: 'MutationCreateDelegationSuccess',
      data: { inForce: false, fromUser: { displayName: '张三' }, toUser: { displayName: '王五' } },
    });
    expect(await sees('wangwu')).toEqual({ task: null, total: 0, actingFor: [] });
    const clash = await create('zhangsan', ids.lisi!, day(3), day(9));
    expect(clash).toMatchObject({ __typename: 'DubanError', code: 'INVALID_STATE' });
    expect(clash.message).toMatch(/已有代理安排，与所选日期重叠/);
    expect(await prisma.delegation.count()).toBe(1);
    // Only its creator, the user acted for or the office may cancel it: the colleague may not.
    const byColleague = await gql(CANCEL, { id: up.data.id }, 'wangwu');
    expect(byColleague.data.cancelDelegation.code).toBe('FORBIDDEN');
    const mine = await gql('{ myDelegations { id } }', {}, 'wangwu');
    expect(mine.data.myDelegations.map((d: { id: string }) => d.id)).toEqual([up.data.id]);
    const cancelled = await gql(CANCEL, { id: up.data.id }, 'zhangsan');
    expect(cancelled.data.cancelDelegation.__typename).toBe('MutationCancelDelegationSuccess');
    expect((await gql('{ myDelegations { id } }', {}, 'wangwu')).data.myDelegations).toEqual([]);
  });

  it('in force today: the colleague sees the task, acknowledges and reports on it as 卫健局', async () => {
    const d = await create('zhangsan', ids.wangwu!, day(0), day(7));
    expect(d).toMatchObject({ __typename: 'MutationCreateDelegationSuccess', data: { inForce: true } });
    expect(await sees('wangwu')).toEqual({
      task: taskId,
      total: 1,
      actingFor: [{ displayName: '张三', endsOn: day(7) }],
    });
    const task = await gql(`query($t: ID!) { task(id: $t) { allowedActions } }`, { t: taskId }, 'wangwu');
    expect(task.data.task.allowedActions).toEqual(expect.arrayContaining(['ACKNOWLEDGE', 'REPORT']));

    expect((await command('wangwu', 'acknowledgeTask', '')).__typename).not.toBe('DubanError');
    const report = await command('wangwu', 'submitProgressReport', 'progress: 30, narrative: "代张三报送进展"');
    expect(report.__typename).not.toBe('DubanError');
    const row = await prisma.progressReport.findFirstOrThrow({ where: { taskId } });
    // The workflow took it as the lead department's report (Actor.departmentId = 卫健局), written by 王五.
    expect(row).toMatchObject({ kind: 'REPORT', departmentId: dept.health, authorId: ids.wangwu });

    // The Update the workflow received carried the delegator: onBehalfOf 张三.
    const task0 = await prisma.task.findUniqueOrThrow({ where: { id: taskId } });
    const history = await env.client.workflow.getHandle(task0.workflowId!).fetchHistory();
    const actors = (history.events ?? [])
      .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data)
      .filter((p): p is Uint8Array => !!p)
      .map((p) => (JSON.parse(Buffer.from(p).toString('utf8')) as { actor: unknown }).actor);
    expect(actors).toContainEqual({
      userId: ids.wangwu,
      role: 'DEPARTMENT',
      departmentId: dept.health,
      onBehalfOf: { userId: ids.zhangsan, displayName: '张三' },
    });

    // The ledger export is the same rule: 王五 gets 卫健局's task.
    const ledger = await fetch(`${server.url}/export/ledger.xlsx?planId=${saved.planId}`, {
      headers: { authorization: `Bearer ${tokens.wangwu}` },
    });
    expect(ledger.status).toBe(200);
  });

  // Needs the workflow to record Actor.onBehalfOf as the event's data.onBehalfOf (the lead's change).
  it('the timeline shows the report as "王五 代 张三" (TimelineEvent.onBehalfOf)', async () => {
    const r = await gql(
      `query($t: ID!) { task(id: $t) { timeline { kind actor { displayName } onBehalfOf { id displayName } } } }`,
      { t: taskId },
      'office',
    );
    const reported = r.data.task.timeline.find((e: { kind: string }) => e.kind === 'REPORTED');
    expect(reported).toMatchObject({
      actor: { displayName: '王五' },
      onBehalfOf: { id: ids.zhangsan, displayName: '张三' },
    });
  });

  it('reads data.onBehalfOf as "王五 代 张三" in the timeline field and the ledger (the read side alone)', async () => {
    // As the workflow records it (data.onBehalfOf), written here so the read side is checked on its own.
    const event = await prisma.taskEvent.findFirstOrThrow({ where: { taskId, kind: 'REPORTED' } });
    const data = { ...(JSON.parse(event.data) as object), onBehalfOf: { userId: ids.zhangsan, displayName: '张三' } };
    await prisma.taskEvent.update({ where: { id: event.id }, data: { data: JSON.stringify(data) } });
    const r = await gql(
      `query($t: ID!) { task(id: $t) { timeline { kind actor { displayName } onBehalfOf { displayName } } } }`,
      { t: taskId },
      'wangwu',
    );
    expect(r.data.task.timeline.find((e: { kind: string }) => e.kind === 'REPORTED')).toMatchObject({
      actor: { displayName: '王五' },
      onBehalfOf: { displayName: '张三' },
    });
    const res = await fetch(`${server.url}/export/ledger.xlsx?planId=${saved.planId}`, {
      headers: { authorization: `Bearer ${tokens.office}` },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
    expect(String(wb.getWorksheet('任务台账')!.getRow(2).getCell(9).value)).toBe('代张三报送进展（王五 代 张三 报送）');
  });

  it('after the range the colleague sees nothing of it and may no longer act', async () => {
    await prisma.delegation.updateMany({
      where: { fromUserId: ids.zhangsan, cancelledAt: null },
      data: { startsOn: day(-9), endsOn: day(-1) },
    });
    expect(await sees('wangwu')).toEqual({ task: null, total: 0, actingFor: [] });
    const report = await command('wangwu', 'submitProgressReport', 'progress: 40, narrative: "到期后报送"');
    expect(report).toMatchObject({ __typename: 'DubanError', code: 'NOT_INVOLVED' });
    expect(await prisma.progressReport.count({ where: { taskId } })).toBe(1);
  });

  it('the office names someone to act for a department user who is away, and sees every delegation', async () => {
    const r = await create('office', ids.lisi!, day(0), day(3), ids.zhangsan);
    expect(r).toMatchObject({
      __typename: 'MutationCreateDelegationSuccess',
      data: { inForce: true, fromUser: { displayName: '张三' }, toUser: { displayName: '李四' } },
    });
    const all = await gql(
      '{ delegations(active: true) { fromUser { displayName } toUser { displayName } } }',
      {},
      'office',
    );
    expect(all.data.delegations).toEqual([{ fromUser: { displayName: '张三' }, toUser: { displayName: '李四' } }]);
    // Same department: 李四 already sees the task; nothing else changes.
    expect((await sees('lisi')).actingFor).toEqual([{ displayName: '张三', endsOn: day(3) }]);
    // The colleagues one may name: active department users but oneself.
    const c = await gql('{ delegationColleagues { displayName } }', {}, 'zhangsan');
    expect(c.data.delegationColleagues.map((p: { displayName: string }) => p.displayName).sort()).toEqual(
      ['李四', '王五'].sort(),
    );
  });
});
