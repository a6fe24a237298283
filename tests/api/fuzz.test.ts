/**
 * Fuzzing every mutation of the schema with generated bad input, against the
 * real worker on the embedded engine: wrong types, missing and unknown
 * arguments, impossible dates, out-of-range numbers, oversize strings, unknown
 * ids, wrong roles and every wrong state of every task command (both taken
 * from domain/access.ts). Each must answer a coded error whose message is
 * Chinese, and nothing may change: no workflow history event, no read-model
 * row, no notification, no failed workflow task.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { ACCESS_RULES, refusal, type AccessActor, type TaskAction } from '../../domain/access.ts';
import type { Role } from '../../domain/types.ts';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { schema } from '../../api/schema/index.ts';
import { FIELD_LABELS } from '../../api/messages.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import { accessTaskOf, TASK_ACCESS_SELECT } from '../../api/access.ts';
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

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let server: RunningServer;
let worker: RunningTestWorker;
let saved: SavedPlan;
const ROLES = ['anonymous', 'none', 'coop', 'lead', 'supervisor', 'office', 'admin'] as const;
type RoleName = (typeof ROLES)[number];
const tokens: Partial<Record<RoleName, string>> = {};
const users: Partial<Record<RoleName, { id: string; role: Role; departmentId: string | null }>> = {};
const dept = { lead: '', coop: '', none: '' };
/** Fixture tasks by the state they are in. */
const T: Record<
  'draft' | 'assigned' | 'progress' | 'extension' | 'requested' | 'closed' | 'cancelled' | 'lagging',
  string
> = {} as any;

const gql = (query: string, variables: Record<string, unknown>, role: RoleName): Promise<GraphQLResponse> =>
  postGraphQL(server.url, query, variables, tokens[role]);

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

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  env = await retryingStart(() =>
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: ENGINE_BIN } },
    }),
  );
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
  saved = await savePlan(
    prisma,
    testPlan(
      '模糊测试方案',
      states.map((s) => ({ title: `任务-${s}`, lead: names.lead, cooperating: [names.coop], due: '2030-12-31' })),
    ),
    { text: '…', format: 'txt' },
  );
  states.forEach((s, i) => (T[s] = saved.tasks[i]!.id));
  worker = await runTestWorker(env, db.config.temporal.taskQueue, { prisma, config: db.config });
  await startPlanWorkflows(env.client, db.config.temporal.taskQueue, saved, '模糊测试方案');
  server = await startServer({ prisma, config: db.config, temporal: env.client }, { port: 0, host: '127.0.0.1' });
  const signedIn = ROLES.filter((r) => r !== 'anonymous');
  Object.assign(tokens, await sessionTokens(server.url, signedIn));
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
}, 180_000);

afterAll(async () => {
  await server?.close();
  await worker?.stop();
  await keepHistories(env?.client, 'api-fuzz');
  await env?.teardown();
  await prisma?.$disconnect();
});

// ─── what "nothing changed" means ───

async function readModel() {
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

async function histories(): Promise<{ lengths: Record<string, number>; failed: string[] }> {
  const lengths: Record<string, number> = {};
  const failed: string[] = [];
  for await (const wf of env.client.workflow.list()) {
    const h = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    lengths[`${wf.workflowId}/${wf.runId}`] = h.events?.length ?? 0;
    if (h.events?.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)) failed.push(wf.workflowId);
  }
  return { lengths, failed };
}

// ─── generating bad input from the schema ───

const OMIT = Symbol('omit');
interface Bad {
  label: string;
  value: unknown;
}

const looksLikeDate = (name: string) => /(^|[a-z])(date|Date)$|^due$|^assigned$|^acknowledged$/.test(name);
const IMPOSSIBLE_DATES = ['2026-02-30', '2028-02-30', '2026-13-01', '2026-04-31', '2026-2-3', '明天'];

/** Values of `type` that no valid call carries, for an argument or input field named `name`. */
function badValues(name: string, type: GraphQLInputType, base: unknown): Bad[] {
  const out: Bad[] = [];
  if (isNonNullType(type)) {
    out.push({ label: 'null', value: null }, { label: 'missing', value: OMIT });
    type = type.ofType;
  }
  if (isListType(type)) {
    out.push({ label: 'list of objects', value: [{ bogus: 1 }] });
    const first = Array.isArray(base) ? base[0] : undefined;
    if (first !== undefined) {
      for (const b of badValues(name, type.ofType as GraphQLInputType, first)) {
        if (b.value !== OMIT) out.push({ label: `[${b.label}]`, value: [b.value, ...(base as unknown[]).slice(1)] });
      }
    }
    return out;
  }
  if (isInputObjectType(type)) {
    out.push({ label: 'a string for an object', value: 'x' });
    const obj = (base ?? {}) as Record<string, unknown>;
    out.push({ label: 'unknown field', value: { ...obj, bogus: 1 } });
    if (base !== undefined) {
      for (const f of Object.values(type.getFields())) {
        for (const b of badValues(f.name, f.type, obj[f.name])) {
          const next = { ...obj };
          if (b.value === OMIT) delete next[f.name];
          else next[f.name] = b.value;
          out.push({ label: `${f.name}: ${b.label}`, value: next });
        }
      }
    }
    return out;
  }
  if (isEnumType(type)) return [...out, { label: 'unknown enum value', value: 'NOT_A_VALUE' }];
  if (!isScalarType(type)) return out;
  switch (type.name) {
    case 'String':
      out.push({ label: 'a number', value: 123 }, { label: 'oversize (100 001 chars)', value: '长'.repeat(100_001) });
      if (looksLikeDate(name)) for (const d of IMPOSSIBLE_DATES) out.push({ label: `date ${d}`, value: d });
      if (name === 'quarter') out.push({ label: 'quarter 2026-Q5', value: '2026-Q5' });
      break;
    case 'ID':
      out.push({ label: 'a boolean', value: true }, { label: 'unknown id', value: 'no-such-id' });
      break;
    case 'Int':
      out.push(
        { label: '"sixty"', value: 'sixty' },
        { label: '2^31', value: 2 ** 31 },
        { label: '-1', value: -1 },
        { label: '1 000 000', value: 1_000_000 },
        { label: '1.5', value: 1.5 },
      );
      break;
    case 'Float':
      out.push({ label: '"abc"', value: 'abc' });
      break;
    case 'Boolean':
      out.push({ label: '"yes"', value: 'yes' });
      break;
    case 'DateTime':
      out.push({ label: 'not a time', value: '2026-02-30T25:00' });
      break;
    default:
      break;
  }
  return out;
}

/** A valid call of each mutation: who makes it, on what; every generated bad input is a variation of it. */
interface Base {
  role: RoleName;
  args: () => Record<string, unknown>;
  /** The task action, for task commands (roles and states are then generated from ACCESS_RULES). */
  action?: TaskAction;
}

const PLAN_TEXT = '测试方案\n一、重点任务\n（一）推进分级诊疗。（县卫健局牵头，2030年底前完成）';

const BASES: Record<string, Base> = {
  login: { role: 'anonymous', args: () => ({ username: 'nobody', password: 'wrong-password' }) },
  logout: { role: 'anonymous', args: () => ({}) },
  importPlan: { role: 'office', args: () => ({ text: PLAN_TEXT, dryRun: false }) },
  createTask: { role: 'office', args: () => ({ planId: saved.planId, title: '新任务', dueDate: '2027-01-29' }) },
  updateTask: { role: 'office', args: () => ({ taskId: T.draft, title: '新标题' }) },
  assignTask: {
    role: 'office',
    action: 'ASSIGN',
    args: () => ({
      taskId: T.assigned,
      leadDepartmentId: dept.lead,
      cooperatingDepartmentIds: [dept.coop],
      dueDate: '2027-06-30',
      milestones: [{ text: '节点', dueDate: '2027-03-31' }],
      reason: '调整',
    }),
  },
  acknowledgeTask: { role: 'lead', action: 'ACKNOWLEDGE', args: () => ({ taskId: T.assigned }) },
  submitProgressReport: {
    role: 'lead',
    action: 'REPORT',
    args: () => ({ taskId: T.progress, progress: 60, narrative: '进展顺利', problems: '无', nextSteps: '继续' }),
  },
  requestExtension: {
    role: 'lead',
    action: 'REQUEST_EXTENSION',
    args: () => ({ taskId: T.progress, newDueDate: '2031-06-30', reason: '资金未到位' }),
  },
  decideExtension: {
    role: 'office',
    action: 'DECIDE_EXTENSION',
    args: () => ({ taskId: T.extension, approve: true, comment: '同意' }),
  },
  requestClosure: { role: 'lead', action: 'REQUEST_CLOSURE', args: () => ({ taskId: T.progress, summary: '已完成' }) },
  reviewClosure: {
    role: 'office',
    action: 'REVIEW_CLOSURE',
    args: () => ({ taskId: T.requested, approve: false, comment: '材料不全' }),
  },
  disputeTask: { role: 'lead', action: 'DISPUTE', args: () => ({ taskId: T.assigned, reason: '非本单位职责' }) },
  decideDispute: {
    role: 'office',
    action: 'DECIDE_DISPUTE',
    args: () => ({ taskId: T.assigned, reassign: false, reason: '方案明确由贵单位牵头' }),
  },
  requestPause: {
    role: 'lead',
    action: 'REQUEST_PAUSE',
    args: () => ({ taskId: T.progress, reason: '等待省级审批', until: '2031-01-10' }),
  },
  decidePause: {
    role: 'office',
    action: 'DECIDE_PAUSE',
    args: () => ({ taskId: T.progress, approve: false, comment: '不同意' }),
  },
  resumeTask: { role: 'office', action: 'RESUME', args: () => ({ taskId: T.progress, comment: '恢复' }) },
  reopenTask: {
    role: 'office',
    action: 'REOPEN',
    args: () => ({ taskId: T.closed, reason: '回头看发现问题', dueDate: '2031-06-30' }),
  },
  escalateTask: { role: 'office', action: 'ESCALATE', args: () => ({ taskId: T.progress, reason: '滞后', level: 2 }) },
  cancelTask: { role: 'office', action: 'CANCEL', args: () => ({ taskId: T.progress, reason: '撤销' }) },
  addInstruction: { role: 'supervisor', action: 'INSTRUCT', args: () => ({ taskId: T.progress, text: '请加快' }) },
  // No order is open on the fixture's tasks: the workflow refuses with the rule's reason, changing nothing.
  replyOrder: {
    role: 'lead',
    action: 'REPLY_ORDER',
    args: () => ({ taskId: T.progress, orderId: 'no-such-order', text: '已落实' }),
  },
  closeOrder: { role: 'office', action: 'CLOSE_ORDER', args: () => ({ taskId: T.progress, orderId: 'no-such-order' }) },
  openRound: { role: 'office', args: () => ({ planId: saved.planId, quarter: '2026-Q4' }) },
  closeRound: { role: 'office', args: () => ({ roundId: 'no-such-round' }) },
  markNotificationRead: { role: 'lead', args: () => ({ id: 'notification-lead' }) },
  // 代理: the lead names its own user (others may not name them: FORBIDDEN); an unknown delegation is NOT_FOUND.
  createDelegation: {
    role: 'lead',
    args: () => ({
      fromUserId: users.lead!.id,
      toUserId: users.coop!.id,
      startsOn: '2030-01-02',
      endsOn: '2030-01-09',
      reason: '出差',
    }),
  },
  cancelDelegation: { role: 'lead', args: () => ({ id: 'no-such-delegation' }) },
  createUser: {
    role: 'admin',
    args: () => ({
      username: 'newuser',
      displayName: '新用户',
      password: 'long-enough-password',
      role: 'DEPARTMENT',
      departmentId: dept.lead,
      email: 'new@example.gov',
    }),
  },
  updateUser: {
    role: 'admin',
    args: () => ({ userId: users.coop!.id, displayName: '改名', departmentId: dept.coop, email: 'c@example.gov' }),
  },
  createDepartment: { role: 'admin', args: () => ({ name: '县审计局', shortName: '审计局' }) },
  mergeDepartments: { role: 'admin', args: () => ({ keepId: dept.lead, mergeId: dept.none }) },
  setCalendarDays: {
    role: 'admin',
    args: () => ({ days: [{ date: '2027-01-01', kind: 'HOLIDAY', name: '元旦' }], official: false }),
  },
  removeCalendarDay: { role: 'admin', args: () => ({ date: '2027-10-08' }) },
  updatePlanSettings: {
    role: 'admin',
    args: () => ({
      planId: saved.planId,
      settings: {
        ackReminderDays: 3,
        warningDaysBefore: 5,
        level1DaysOverdue: 1,
        level2DaysOverdue: 3,
        level3DaysOverdue: 10,
        reportDueWorkingDays: 5,
        noticeTime: '09:00',
      },
    }),
  },
};

function documentOf(field: string, args: Record<string, unknown>, extra = ''): string {
  const f = schema.getMutationType()!.getFields()[field]!;
  const declared = Object.keys(args).filter((a) => f.args.some((x) => x.name === a));
  const params = declared.map((a) => `$${a}: ${String(f.args.find((x) => x.name === a)!.type)}`);
  // A required argument left out is still declared (and not sent): "variable not provided".
  for (const a of f.args) if (!(a.name in args) && isNonNullType(a.type)) params.push(`$${a.name}: ${String(a.type)}`);
  const passed = [...declared, ...f.args.filter((a) => !(a.name in args) && isNonNullType(a.type)).map((a) => a.name)];
  const call = [...passed.map((a) => `${a}: $${a}`), ...(extra ? [extra] : [])];
  const named = getNamedType(f.type);
  const selection = isUnionType(named)
    ? '{ __typename ... on DubanError { code message messageEn } }'
    : isObjectType(named)
      ? '{ __typename }'
      : '';
  return `mutation${params.length ? `(${params.join(', ')})` : ''} { ${field}${call.length ? `(${call.join(', ')})` : ''} ${selection} }`;
}

interface Answer {
  code: string | null;
  message: string;
  accepted: boolean;
}

function answerOf(r: GraphQLResponse, field: string): Answer {
  const e = r.errors?.[0];
  if (e) return { code: e.extensions?.code ?? null, message: e.message, accepted: false };
  const v = r.data?.[field];
  if (v && typeof v === 'object' && v.__typename === 'DubanError')
    return { code: v.code, message: v.message, accepted: false };
  return { code: null, message: JSON.stringify(v), accepted: true };
}

/** Chinese, coded, no library or English text: what remains after the allowed ASCII tokens has no word in it. */
function problemWith(a: Answer): string | null {
  if (a.accepted) return `accepted: ${a.message.slice(0, 200)}`;
  if (!a.code) return `no code: ${a.message}`;
  if (a.code === 'INTERNAL') return `internal error: ${a.message}`;
  if (/Unexpected error/i.test(a.message)) return `"Unexpected error.": ${a.message}`;
  if (!/[\u4e00-\u9fff]/.test(a.message)) return `not Chinese: ${a.message}`;
  const rest = a.message
    .replace(/\$\w+/g, '')
    .replace(/YYYY-MM-DD|HH:MM|\d{4}-Q\d|JSON|MB|Word|Excel|\.(docx|xlsx|csv|txt|md)\b/g, '');
  if (/[A-Za-z]{3,}/.test(rest)) return `English in the message: ${a.message}`;
  return null;
}

function actorOf(role: RoleName): AccessActor | null {
  const u = users[role];
  return u ? { userId: u.id, role: u.role, departmentId: u.departmentId } : null;
}

/** The task as the API's side of the one access rule reads it (api/access.ts). */
async function accessTask(taskId: string) {
  return accessTaskOf(await prisma.task.findUniqueOrThrow({ where: { id: taskId }, select: TASK_ACCESS_SELECT }));
}

interface Case {
  label: string;
  role: RoleName;
  document: string;
  variables: Record<string, unknown>;
  /** The code the rule (domain/access) says, when it decides. */
  expect?: string;
}

async function casesFor(field: string, base: Base): Promise<Case[]> {
  const f = schema.getMutationType()!.getFields()[field]!;
  const args = base.args();
  const out: Case[] = [];
  const doc = (a: Record<string, unknown>, extra = '') => documentOf(field, a, extra);
  out.push({ label: 'unknown argument', role: base.role, document: doc(args, 'bogus: 1'), variables: args });
  for (const arg of f.args) {
    if (getNamedType(arg.type).name === 'File') continue;
    for (const b of badValues(arg.name, arg.type, args[arg.name])) {
      const next = { ...args };
      if (b.value === OMIT) delete next[arg.name];
      else next[arg.name] = b.value;
      out.push({ label: `${arg.name}: ${b.label}`, role: base.role, document: doc(next), variables: next });
    }
  }
  if (base.action) {
    const rule = ACCESS_RULES.find((r) => r.action === base.action)!;
    const taskId = String(args.taskId);
    // Wrong roles: everyone the rule refuses on the base task, with the rule's own code.
    for (const role of ROLES) {
      const r = refusal(actorOf(role), await accessTask(taskId), rule.action);
      if (r) out.push({ label: `as ${role}`, role, document: doc(args), variables: args, expect: r.code });
    }
    // Wrong states: the task in every status the rule does not allow, as the base role.
    for (const [state, id] of Object.entries(T)) {
      if (state === 'lagging') continue;
      const task = await accessTask(id);
      const r = refusal(actorOf(base.role), task, rule.action);
      if (r) {
        out.push({
          label: `on a ${state} task (${task.status})`,
          role: base.role,
          document: doc({ ...args, taskId: id }),
          variables: { ...args, taskId: id },
          expect: r.code,
        });
      }
    }
    // Both id forms name the task: a global id of an unknown task is as unknown.
    const unknown = { ...args, taskId: encodeGlobalID('Task', 'no-such-task') };
    out.push({
      label: 'unknown global id',
      role: base.role,
      document: doc(unknown),
      variables: unknown,
      expect: 'NOT_FOUND',
    });
  } else if (!['login', 'logout'].includes(field)) {
    out.push({
      label: 'as anonymous',
      role: 'anonymous',
      document: doc(args),
      variables: args,
      expect: 'UNAUTHENTICATED',
    });
    for (const role of ['none', 'supervisor'] as const) {
      if (role !== base.role) out.push({ label: `as ${role}`, role, document: doc(args), variables: args });
    }
  }
  return out;
}

describe('every mutation, fuzzed', () => {
  it('answers every bad input with a coded Chinese error and changes nothing', async () => {
    const mutations = Object.keys(schema.getMutationType()!.getFields());
    expect(
      mutations.filter((m) => !BASES[m]),
      'mutations without a base call in fuzz.test.ts',
    ).toEqual([]);
    const problems: string[] = [];
    const start = await histories();
    expect(start.failed, 'failed workflow tasks before fuzzing').toEqual([]);
    let total = 0;
    const perMutation: Record<string, number> = {};
    for (const field of mutations) {
      const cases = await casesFor(field, BASES[field]!);
      const before = await histories();
      for (const c of cases) {
        const model = await readModel();
        const r = await gql(c.document, c.variables, c.role);
        const a = answerOf(r, field);
        const where = `${field} ${c.label} (as ${c.role})`;
        const p = problemWith(a);
        if (p) problems.push(`${where}: ${p}`);
        else if (c.expect && a.code !== c.expect) problems.push(`${where}: ${a.code} where the rule says ${c.expect}`);
        if ((await readModel()) !== model) problems.push(`${where}: changed the read model`);
        total++;
      }
      perMutation[field] = cases.length;
      const after = await histories();
      if (JSON.stringify(after.lengths) !== JSON.stringify(before.lengths)) {
        const grew = Object.keys(after.lengths).filter((k) => after.lengths[k] !== before.lengths[k]);
        problems.push(`${field}: workflow histories changed: ${grew.join(', ')}`);
      }
      const failed = after.failed.filter((w) => !before.failed.includes(w));
      if (failed.length) problems.push(`${field}: failed workflow tasks in ${failed.join(', ')}`);
    }
    console.info(`fuzz: ${mutations.length} mutations, ${total} bad inputs`, perMutation);
    expect(problems).toEqual([]);
  }, 600_000);
});

describe('the findings of issue 11', () => {
  const report = `mutation($t: ID!, $p: Int!) { submitProgressReport(taskId: $t, progress: $p, narrative: "进展") {
    __typename ... on DubanError { code message messageEn } } }`;

  it('names every argument and input field in Chinese (validation messages name the field)', () => {
    const names = new Set<string>();
    const visitInput = (t: ReturnType<typeof getNamedType>) => {
      if (!isInputObjectType(t)) return;
      for (const f of Object.values(t.getFields())) {
        if (!names.has(f.name)) {
          names.add(f.name);
          visitInput(getNamedType(f.type));
        }
      }
    };
    for (const root of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      for (const f of Object.values(root.getFields())) {
        for (const a of f.args) {
          names.add(a.name);
          visitInput(getNamedType(a.type));
        }
      }
    }
    // Ids, flags and enums are never named by a validation message; every other input is.
    const unnamed = [...names].filter((n) => !FIELD_LABELS[n] && !/(^id|Id|Ids)$/.test(n));
    const flags = ['dryRun', 'newVersion', 'approve', 'official', 'unreadOnly', 'active', 'needsAssignment'];
    const enums = ['role', 'sort', 'status', 'health', 'file', 'filter', 'settings', 'indicatorValues', 'ids'];
    const paging = ['after', 'before', 'last'];
    expect(unnamed.filter((n) => ![...flags, ...enums, ...paging].includes(n))).toEqual([]);
  });

  it('answers a variable of the wrong type ($p: Int! given "sixty") with a coded Chinese error', async () => {
    const r = await gql(report, { t: T.progress, p: 'sixty' }, 'lead');
    expect(r.errors?.[0]).toMatchObject({
      message: '参数 $p 的值无效（应为数字）。',
      extensions: { code: 'INVALID_INPUT' },
    });
  });

  it("refuses a command on a closed task in the rule's words, also while the read model still says it is open", async () => {
    const closed = await gql(report, { t: T.closed, p: 10 }, 'lead');
    expect(closed.data.submitProgressReport).toMatchObject({
      code: 'INVALID_STATE',
      message: '任务已办结，不能再提交进展。',
    });
    // The projection lags: the read model says IN_PROGRESS, the workflow has ended (WorkflowNotFound / completed).
    await prisma.task.update({ where: { id: T.lagging }, data: { status: 'IN_PROGRESS' } });
    const events = await prisma.taskEvent.count({ where: { taskId: T.lagging } });
    const lagging = await gql(report, { t: T.lagging, p: 10 }, 'lead');
    expect(lagging.data.submitProgressReport).toMatchObject({
      code: 'INVALID_STATE',
      message: '任务已办结，不能再提交进展。',
    });
    expect(await prisma.taskEvent.count({ where: { taskId: T.lagging } })).toBe(events);
    await prisma.task.update({ where: { id: T.lagging }, data: { status: 'CLOSED' } });
  });

  it('answers bad query arguments the same way (negative page size, impossible dates, wrong types)', async () => {
    const calls: [string, Record<string, unknown>, string][] = [
      ['query($n: Int) { tasks(first: $n) { edges { node { taskId } } } }', { n: -1 }, 'tasks'],
      ['query($d: String) { tasks(filter: { dueFrom: $d }) { totalCount } }', { d: '2026-02-30' }, 'tasks'],
      ['query($s: String) { tasks(filter: { search: $s }) { totalCount } }', { s: '长'.repeat(101) }, 'tasks'],
      [
        'query($d: String) { previewEscalation(assigned: "2026-01-05", due: $d) { key } }',
        { d: '2028-02-30' },
        'previewEscalation',
      ],
      ['query($n: Int) { notifications(limit: $n) { id } }', { n: 'sixty' }, 'notifications'],
      ['query($id: ID!) { task(id: $id) { title } }', { id: { not: 'an id' } }, 'task'],
    ];
    for (const [query, variables, field] of calls) {
      const a = answerOf(await gql(query, variables, 'office'), field);
      expect(problemWith(a), `${query} ${JSON.stringify(variables).slice(0, 60)}`).toBeNull();
    }
  });

  it('answers NOT_INVOLVED to a department that neither leads nor cooperates', async () => {
    const r = await gql(report, { t: T.progress, p: 10 }, 'none');
    expect(r.data.submitProgressReport).toMatchObject({
      code: 'NOT_INVOLVED',
      message: '贵单位不是该任务的牵头或配合单位。',
    });
  });

  it('refuses a corrupt .docx upload with a Chinese IMPORT_FAILED, no library text', async () => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: `mutation($f: File!) { importPlan(file: $f, fileName: "broken.docx", dryRun: true) {
          __typename ... on DubanError { code message messageEn } } }`,
        variables: { f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([Buffer.from('PK\u0003\u0004 not really a zip', 'latin1')]), 'broken.docx');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.office}` },
      body: form,
    });
    const body = (await res.json()) as GraphQLResponse;
    const a = answerOf(body, 'importPlan');
    expect(a.code).toBe('IMPORT_FAILED');
    expect(problemWith(a)).toBeNull();
    expect(a.message).not.toMatch(/zip|central directory|Corrupted/i);
  });
});
