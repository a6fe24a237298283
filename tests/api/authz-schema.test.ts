/**
 * Schema-driven authorization. The test walks the built schema: every Query
 * and Subscription field is called as anonymous, a department that neither
 * leads nor cooperates, a cooperating department, the lead department, a
 * supervisor, the office and an admin, with a selection generated from the
 * schema that reaches every field returning task data. Every object that
 * comes back is traced to its task through the Prisma datamodel and must be
 * one the reader may see by `canSeeTask` (domain/access.ts); what an
 * all-seeing reader gets, filtered by that rule, is exactly what each role
 * gets. The rule per type comes from the read table in api/README.md, which
 * must name every type the schema can return: a new field or type that is
 * not covered fails here without anyone adding a case.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import {
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLObjectType,
} from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTableMarkdown, canSeeTask, type AccessActor } from '../../domain/access.ts';
import { label, taskLight } from '../../domain/vocabulary.ts';
import type { Role, TaskStatus } from '../../domain/types.ts';
import { getDatamodel } from '../../generated/pothos-types.ts';
import { createEventBus, type EventBus } from '../../api/events.ts';
import { schema } from '../../api/schema/index.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import { hashPassword } from '../../api/auth.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { freshDatabase, postGraphQL, type GraphQLResponse } from '../support/harness.ts';
import { sessionTokens } from './sessions.ts';

const README = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'api', 'README.md'), 'utf8');

function between(text: string, name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(text);
  if (!m) throw new Error(`api/README.md lacks the ${name} block`);
  return m[1]!;
}

type ReadRule = 'TASK' | 'OWN' | 'SIGNED_IN' | 'ADMIN' | 'OFFICE' | 'PUBLIC' | 'READER';
/** The read table of api/README.md: GraphQL type (or export path) → rule. */
const READ_RULES: Map<string, ReadRule> = new Map(
  between(README, 'read-table')
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').map((c) => c.trim()))
    .map((cells) => [cells[1]!.replace('&lt;', '<').replace('&gt;', '>'), cells[2] as ReadRule]),
);

// ─── the Prisma datamodel: which models hold task data, and how to reach the task ───

interface DmmfField {
  name: string;
  type: string;
  kind: string;
  relationFromFields?: string[];
}
const MODELS = getDatamodel().datamodel.models as unknown as Record<string, { fields: DmmfField[] }>;

/** The relation path (through foreign keys) from a model to its Task, or null when it holds no task data. */
function taskPath(model: string, seen: string[] = []): string[] | null {
  if (model === 'Task') return [];
  if (seen.includes(model) || seen.length > 3) return null;
  for (const f of MODELS[model]?.fields ?? []) {
    if (f.kind !== 'object' || !f.relationFromFields?.length) continue;
    const rest = taskPath(f.type, [...seen, model]);
    if (rest) return [f.name, ...rest];
  }
  return null;
}

/** The task id a row of `model` belongs to (following taskPath), or null. */
async function ownerOf(prisma: PrismaClient, model: string, id: string): Promise<string | null> {
  const p = taskPath(model)!;
  if (p.length === 0) return id;
  const select = p.reduceRight<Record<string, unknown>>((inner, rel) => ({ [rel]: { select: inner } }), { id: true });
  const delegate = (prisma as any)[model[0]!.toLowerCase() + model.slice(1)];
  let row = await delegate.findUnique({ where: { id }, select });
  for (const rel of p) row = row?.[rel];
  return row?.id ?? null;
}

const prismaModelOf = (t: GraphQLObjectType): string | undefined =>
  (t.extensions as { pothosPrismaModel?: string } | undefined)?.pothosPrismaModel;

// ─── the schema: reachable types, generated selections, covered edges ───

const roots = [schema.getQueryType()!, schema.getSubscriptionType()!];
/** Object levels below the root field (the server refuses queries nested deeper than 12). */
const MAX_DEPTH = 11;

function possibleTypes(t: ReturnType<typeof getNamedType>): GraphQLObjectType[] {
  if (isObjectType(t)) return [t];
  if (isInterfaceType(t) || isUnionType(t)) return [...schema.getPossibleTypes(t)];
  return [];
}

/** Every object type a Query or Subscription can return, however deep. */
function reachableTypes(): Set<string> {
  const seen = new Set<string>();
  const visit = (t: GraphQLObjectType) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const f of Object.values(t.getFields())) for (const p of possibleTypes(getNamedType(f.type))) visit(p);
  };
  for (const root of roots)
    for (const f of Object.values(root.getFields())) possibleTypes(getNamedType(f.type)).forEach(visit);
  return seen;
}

const coveredEdges = new Set<string>();
const unreachableArgs: string[] = [];

/** A selection of every field of `type`, nested objects down to MAX_DEPTH, no type twice on a path. */
function selectionOf(type: GraphQLObjectType, onPath: string[]): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) {
      unreachableArgs.push(`${type.name}.${field.name}`);
      continue;
    }
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(field.name);
      continue;
    }
    const inner: string[] = [];
    for (const p of possibleTypes(named)) {
      if (onPath.includes(p.name) || onPath.length >= MAX_DEPTH) continue;
      const sel = selectionOf(p, [...onPath, p.name]);
      inner.push(isObjectType(named) ? sel : `... on ${p.name} { ${sel} }`);
    }
    if (inner.length) {
      coveredEdges.add(`${type.name}.${field.name}`);
      parts.push(`${field.name} { ${inner.join(' ')} }`);
    }
  }
  return parts.join(' ');
}

function rootSelection(root: GraphQLObjectType, field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  if (isLeafType(named)) return '';
  coveredEdges.add(`${root.name}.${field.name}`);
  if (isObjectType(named)) return `{ ${selectionOf(named, [named.name])} }`;
  const inner = possibleTypes(named).map((p) => `... on ${p.name} { ${selectionOf(p, [p.name, 'fragment'])} }`);
  return `{ __typename ${inner.join(' ')} }`;
}

// ─── the fixture: three departments, three tasks with every kind of row ───

const ROLES = ['anonymous', 'none', 'coop', 'lead', 'supervisor', 'office', 'admin'] as const;
type RoleName = (typeof ROLES)[number];

let prisma: PrismaClient;
let server: RunningServer;
let events: EventBus;
const tokens: Partial<Record<RoleName, string>> = {};
const users: Partial<Record<RoleName, { id: string; role: Role; departmentId: string | null }>> = {};
const ids = { plan: '', round: '', tasks: [] as string[] };
/** The access facts of each task, for canSeeTask. */
const accessOf = new Map<
  string,
  { status: TaskStatus; leadDepartmentId: string | null; cooperatingDepartmentIds: string[] }
>();

const gql = (query: string, variables: Record<string, unknown>, role: RoleName): Promise<GraphQLResponse> =>
  postGraphQL(server.url, query, variables, tokens[role]);

function actorOf(role: RoleName): AccessActor | null {
  const u = users[role];
  return u ? { userId: u.id, role: u.role, departmentId: u.departmentId } : null;
}
const sees = (role: RoleName, taskId: string) => canSeeTask(actorOf(role), accessOf.get(taskId)!);

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  events = createEventBus();
  const passwordHash = await hashPassword('test-password');
  const [L, C, N] = await Promise.all(
    ['牵头局', '配合局', '无关局'].map((name, i) => prisma.department.create({ data: { name, sortOrder: i } })),
  );
  const people: [RoleName, Role, string | null][] = [
    ['none', 'DEPARTMENT', N!.id],
    ['coop', 'DEPARTMENT', C!.id],
    ['lead', 'DEPARTMENT', L!.id],
    ['supervisor', 'SUPERVISOR', null],
    ['office', 'OFFICE', null],
    ['admin', 'ADMIN', null],
  ];
  for (const [name, role, departmentId] of people) {
    const u = await prisma.user.create({
      data: { username: name, displayName: `${name}用户`, role, departmentId, passwordHash },
    });
    users[name] = { id: u.id, role, departmentId };
  }
  const plan = await prisma.plan.create({ data: { title: '权限测试方案', sourceText: '…' } });
  ids.plan = plan.id;
  const section = await prisma.section.create({
    data: { planId: plan.id, path: '一', numbering: '一、', title: '重点任务', depth: 1, sortOrder: 0 },
  });
  await prisma.planTarget.create({ data: { planId: plan.id, text: '覆盖率达到90%' } });
  const round = await prisma.supervisionRound.create({
    data: {
      planId: plan.id,
      year: 2026,
      quarter: 1,
      opensAt: new Date('2026-03-31T00:00:00Z'),
      reportDueDate: '2026-04-10',
      status: 'CLOSED',
      closedAt: new Date('2026-04-11T00:00:00Z'),
    },
  });
  ids.round = round.id;
  for (const d of [L!, N!]) {
    await prisma.roundEvaluationRow.create({
      data: {
        roundId: round.id,
        departmentId: d.id,
        onTimeRate: 1,
        onTrack: 1,
        atRisk: 0,
        overdue: 1,
        completed: 0,
        attainment: 0.5,
        score: 80,
        rank: d === L ? 1 : 2,
      },
    });
  }
  // T1: led by 牵头局 with 配合局; T2: led by 无关局 alone; T3: not yet assigned.
  const specs = [
    { title: '任务一', lead: L!.id, coop: [C!.id], status: 'IN_PROGRESS', health: 'RED' },
    { title: '任务二', lead: N!.id, coop: [], status: 'IN_PROGRESS', health: 'RED' },
    { title: '任务三', lead: null, coop: [], status: 'DRAFT', health: null },
  ] as const;
  for (const [i, s] of specs.entries()) {
    const task = await prisma.task.create({
      data: {
        planId: plan.id,
        sectionId: section.id,
        path: `一、(${i + 1})`,
        sortOrder: i,
        title: s.title,
        text: `${s.title}的内容`,
        leadDepartmentId: s.lead,
        status: s.status,
        health: s.health,
        dueDate: '2026-03-31',
        assignedAt: s.lead ? new Date('2026-01-05T00:00:00Z') : null,
        cooperators: { create: s.coop.map((departmentId) => ({ departmentId })) },
      },
    });
    ids.tasks.push(task.id);
    accessOf.set(task.id, {
      status: s.status as TaskStatus,
      leadDepartmentId: s.lead,
      cooperatingDepartmentIds: [...s.coop],
    });
    const at = new Date('2026-04-01T00:00:00Z');
    const author = s.lead === L!.id ? users.lead! : users.none!;
    await prisma.milestone.create({ data: { taskId: task.id, text: '节点', dueDate: '2026-02-28' } });
    const indicator = await prisma.indicator.create({
      data: { taskId: task.id, text: '覆盖率', metric: 'coverage', comparator: 'GTE', targetValue: 90 },
    });
    const report = await prisma.progressReport.create({
      data: {
        id: `report-${i}`,
        taskId: task.id,
        roundId: round.id,
        departmentId: s.lead ?? L!.id,
        authorId: author.id,
        progress: 40,
        narrative: `${s.title}进展`,
        submittedAt: at,
      },
    });
    await prisma.indicatorActual.create({
      data: { indicatorId: indicator.id, reportId: report.id, value: 50, recordedAt: at },
    });
    await prisma.extensionRequest.create({
      data: {
        id: `ext-${i}`,
        taskId: task.id,
        requestedById: author.id,
        requestedDueDate: '2026-06-30',
        reason: '理由',
        createdAt: at,
      },
    });
    await prisma.closureReview.create({
      data: {
        id: `closure-${i}`,
        taskId: task.id,
        requestedById: author.id,
        summary: '总结',
        status: 'RETURNED',
        createdAt: at,
      },
    });
    for (const [kind, attach] of [
      ['report', { reportId: report.id }],
      ['closure', { closureId: `closure-${i}` }],
    ] as const) {
      await prisma.evidence.create({
        data: {
          id: `evidence-${kind}-${i}`,
          taskId: task.id,
          sha256: '0'.repeat(64),
          name: `${kind}.pdf`,
          mime: 'application/pdf',
          size: 10,
          uploaderId: author.id,
          uploaderDepartmentId: s.lead ?? L!.id,
          ...attach,
        },
      });
    }
    await prisma.instruction.create({
      data: { id: `instruction-${i}`, taskId: task.id, authorId: users.supervisor!.id, text: '批示', createdAt: at },
    });
    await prisma.taskEvent.create({
      data: { id: `event-${i}`, taskId: task.id, at, actorId: users.office!.id, actorRole: 'OFFICE', kind: 'CREATED' },
    });
    await prisma.supervisionOrder.create({
      data: {
        id: `order-${i}`,
        planId: task.planId,
        taskId: task.id,
        year: 2026,
        number: i + 1,
        docNumber: `〔2026〕${i + 1}号`,
        kind: 'LEVEL2',
        level: 2,
        departmentIds: JSON.stringify(task.leadDepartmentId ? [task.leadDepartmentId] : []),
        issuedOn: '2026-03-02',
        issuedAt: at,
        replyBy: '2026-03-05',
        repliedById: author.id,
        closedById: users.office!.id,
      },
    });
    await prisma.notice.create({
      data: {
        id: `notice-${i}`,
        taskId: task.id,
        roundId: round.id,
        kind: 'LEVEL1',
        level: 1,
        fireAt: at,
        sentAt: at,
        status: 'SENT',
      },
    });
  }
  // Each user has a notification about a task they may see.
  for (const role of ['none', 'coop', 'lead', 'supervisor', 'office', 'admin'] as const) {
    const i = role === 'none' ? 1 : 0;
    await prisma.notification.create({
      data: {
        id: `notification-${role}`,
        userId: users[role]!.id,
        noticeId: `notice-${i}`,
        title: '督办',
        body: '请推进',
      },
    });
  }
  server = await startServer(
    { prisma, config: db.config, temporal: undefined, events },
    { port: 0, host: '127.0.0.1', feedIntervalMs: 60_000 },
  );
  const signedIn = ROLES.filter((r) => r !== 'anonymous');
  Object.assign(tokens, await sessionTokens(server.url, signedIn));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await prisma?.$disconnect();
});

// ─── walking a response ───

/** TASK-rule types that only hold other rows (their counts are checked apart). */
const CONTAINERS = new Set(['Dashboard', 'DepartmentSummary', 'QueryTasksConnection', 'QueryTasksConnectionEdge']);

interface Seen {
  /** `Type:id` of every TASK-rule object, with the task it belongs to. */
  task: Map<string, string>;
  /** For each of them, the tasks above it on each path it was reached by (an invisible one hides it). */
  via: Map<string, string[][]>;
  /** Notification ids. */
  own: Set<string>;
}

async function collect(data: unknown, type: GraphQLObjectType, rootTask: string | null): Promise<Seen> {
  const seen: Seen = { task: new Map(), via: new Map(), own: new Set() };
  const pending: Promise<void>[] = [];
  const note = (key: string, owner: string, above: string[]) => {
    seen.task.set(key, owner);
    seen.via.set(key, [...(seen.via.get(key) ?? []), above]);
  };
  const walk = (value: any, t: GraphQLObjectType, owner: string | null, above: string[], where: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, t, owner, above, `${where}[${i}]`));
      return;
    }
    const concrete = value.__typename ? (schema.getType(value.__typename) as GraphQLObjectType) : t;
    const rule = READ_RULES.get(concrete.name);
    const model = prismaModelOf(concrete);
    let here = owner;
    let path = above;
    if (rule === 'TASK' && !CONTAINERS.has(concrete.name)) {
      if (concrete.name === 'Task') {
        here = value.taskId as string;
        note(`Task:${here}`, here, above);
        path = [...above, here];
      } else if (model && value.id) {
        const key = `${concrete.name}:${value.id}`;
        pending.push(ownerOf(prisma, model, value.id).then((o) => note(key, o ?? `?${where}`, above)));
      } else {
        // No id of its own (PlannedNotice): it belongs to the task above it, or the one the call is about.
        note(`${concrete.name}:${here}:${JSON.stringify(value)}`, here ?? `?${where}`, above);
      }
    }
    if (rule === 'OWN' && value.id) seen.own.add(value.id);
    for (const [k, v] of Object.entries(value)) {
      const f = concrete.getFields()[k];
      if (!f) continue;
      const named = getNamedType(f.type);
      if (isLeafType(named)) continue;
      walk(v, (isObjectType(named) ? named : possibleTypes(named)[0])!, here, path, `${where}.${k}`);
    }
  };
  walk(data, type, rootTask, [], '');
  await Promise.all(pending);
  return seen;
}

/** The root field calls to make: every field of Query, with arguments for each case. */
interface Call {
  field: string;
  args: Record<string, unknown>;
  /** The task the answer is about (previewEscalation's PlannedNotices carry no id). */
  about?: string;
  /** The answer is about no task at all (previewEscalation for given dates). */
  noTask?: true;
}

function calls(): Call[] {
  const [t1, t2, t3] = ids.tasks as [string, string, string];
  const global = (id: string) => encodeGlobalID('Task', id);
  const byField: Record<string, Call[]> = {
    me: [{ field: 'me', args: {} }],
    health: [{ field: 'health', args: {} }],
    departments: [{ field: 'departments', args: {} }],
    plans: [{ field: 'plans', args: {} }],
    plan: [{ field: 'plan', args: { id: ids.plan } }],
    users: [{ field: 'users', args: {} }],
    calendarOverrides: [{ field: 'calendarOverrides', args: {} }],
    notifications: [{ field: 'notifications', args: {} }],
    supervisionRounds: [
      { field: 'supervisionRounds', args: {} },
      { field: 'supervisionRounds', args: { planId: ids.plan } },
    ],
    round: [{ field: 'round', args: { id: ids.round } }],
    supervisionOrders: [
      { field: 'supervisionOrders', args: {} },
      { field: 'supervisionOrders', args: { planId: ids.plan } },
    ],
    dashboard: [
      { field: 'dashboard', args: {} },
      { field: 'dashboard', args: { planId: ids.plan } },
    ],
    tasks: [
      { field: 'tasks', args: {} },
      { field: 'tasks', args: { filter: { planId: ids.plan } } },
    ],
    task: [t1, t2, t3].flatMap((t) => [
      { field: 'task', args: { id: t }, about: t },
      { field: 'task', args: { id: global(t) }, about: t },
    ]),
    node: [t1, t2, t3].map((t) => ({ field: 'node', args: { id: global(t) }, about: t })),
    nodes: [{ field: 'nodes', args: { ids: [t1, t2, t3].map(global) } }],
    actingFor: [{ field: 'actingFor', args: {} }],
    myDelegations: [{ field: 'myDelegations', args: {} }],
    delegations: [
      { field: 'delegations', args: {} },
      { field: 'delegations', args: { active: true } },
    ],
    delegationColleagues: [{ field: 'delegationColleagues', args: {} }],
    previewEscalation: [
      ...[t1, t2, t3].map((t) => ({ field: 'previewEscalation', args: { taskId: t }, about: t })),
      { field: 'previewEscalation', args: { taskId: global(t1) }, about: t1 },
      { field: 'previewEscalation', args: { assigned: '2026-01-05', due: '2026-03-31' }, noTask: true },
    ],
  };
  const fields = Object.keys(schema.getQueryType()!.getFields());
  const missing = fields.filter((f) => !byField[f]);
  expect(missing, 'Query fields without a case in authz-schema.test.ts').toEqual([]);
  return fields.flatMap((f) => byField[f]!);
}

const ARG_TYPES: Record<string, string> = {};
function documentFor(call: Call): string {
  const root = schema.getQueryType()!;
  const field = root.getFields()[call.field]!;
  const params = Object.keys(call.args).map((name) => {
    const arg = field.args.find((a) => a.name === name)!;
    ARG_TYPES[`${call.field}.${name}`] = String(arg.type);
    return `$${name}: ${String(arg.type)}`;
  });
  const args = Object.keys(call.args).map((name) => `${name}: $${name}`);
  return `query${params.length ? `(${params.join(', ')})` : ''} { ${call.field}${args.length ? `(${args.join(', ')})` : ''} ${rootSelection(root, field)} }`;
}

/** What the rule says a role gets from a call: an error code, or data. */
function expectedError(call: Call, role: RoleName): string | null {
  if (role === 'anonymous') return ['me', 'health'].includes(call.field) ? null : 'UNAUTHENTICATED';
  const type = getNamedType(schema.getQueryType()!.getFields()[call.field]!.type);
  const rule = READ_RULES.get(type.name);
  if (rule === 'ADMIN' && call.field !== 'me' && users[role]!.role !== 'ADMIN') return 'FORBIDDEN';
  // A task you may not see is absent: previewEscalation(taskId) says NOT_FOUND.
  if (call.field === 'previewEscalation' && call.about && !sees(role, call.about)) return 'NOT_FOUND';
  return null;
}

describe('api/README.md states the access rule the code enforces', () => {
  it('prints the role table generated by accessTableMarkdown()', () => {
    expect(between(README, 'access-table')).toBe(accessTableMarkdown());
  });

  it('names a read rule for every type a query or subscription can return, TASK exactly for task data', () => {
    const reachable = [...reachableTypes()].filter((t) => !t.startsWith('__'));
    expect(
      reachable.filter((t) => !READ_RULES.has(t)),
      'types missing from the read table',
    ).toEqual([]);
    expect(
      [...READ_RULES.values()].every((r) =>
        ['TASK', 'OWN', 'SIGNED_IN', 'ADMIN', 'OFFICE', 'PUBLIC', 'READER'].includes(r),
      ),
    ).toBe(true);
    // Every Prisma-backed type whose rows belong to a task (by the datamodel's foreign keys) is TASK or OWN.
    for (const name of reachable) {
      const model = prismaModelOf(schema.getType(name) as GraphQLObjectType);
      if (!model) continue;
      const holdsTaskData = taskPath(model) !== null;
      const rule = READ_RULES.get(name)!;
      expect(
        holdsTaskData ? ['TASK', 'OWN'] : ['SIGNED_IN', 'ADMIN', 'OFFICE', 'PUBLIC'],
        `${name} (${model})`,
      ).toContain(rule);
    }
  });
});

describe('every query field, as every role', () => {
  it('returns each role exactly the task data canSeeTask allows, nothing of tasks it may not see', async () => {
    const all = calls();
    const documents = all.map(documentFor);
    // Every field that returns task data, anywhere in the schema, is reached by some generated selection.
    for (const root of roots.slice(1)) for (const f of Object.values(root.getFields())) rootSelection(root, f);
    const reachable = reachableTypes();
    const taskEdges: string[] = [];
    for (const name of reachable) {
      const t = schema.getType(name) as GraphQLObjectType;
      for (const f of Object.values(t.getFields())) {
        if (
          possibleTypes(getNamedType(f.type)).some(
            (p) => READ_RULES.get(p.name) === 'TASK' || READ_RULES.get(p.name) === 'OWN',
          )
        )
          taskEdges.push(`${name}.${f.name}`);
      }
    }
    expect(unreachableArgs, 'fields with required arguments below the root').toEqual([]);
    expect(
      taskEdges.filter((e) => !coveredEdges.has(e)),
      'task-data fields no generated query reaches',
    ).toEqual([]);

    const table: string[] = [];
    let checks = 0;
    const typesSeen = new Set<string>();
    for (const [i, call] of all.entries()) {
      const results = new Map<RoleName, { r: GraphQLResponse; seen: Seen }>();
      const type = schema.getQueryType()!;
      for (const role of ROLES) {
        const r = await gql(documents[i]!, call.args, role);
        const data = r.data?.[call.field];
        const fieldType = getNamedType(type.getFields()[call.field]!.type);
        const seen =
          !call.noTask && (isObjectType(fieldType) || isInterfaceType(fieldType))
            ? await collect(data, possibleTypes(fieldType)[0]!, call.about ?? null)
            : { task: new Map(), via: new Map(), own: new Set<string>() };
        results.set(role, { r, seen });
      }
      const label = `${call.field}(${JSON.stringify(call.args)})`;
      // The all-seeing reader's answer, filtered by the rule, is what each role must get.
      const baseline = results.get('admin')!;
      expect(baseline.r.errors, `${label} as admin`).toBeUndefined();
      // Both id forms name the task (task, node, previewEscalation): the all-seeing reader gets it.
      if (call.about) expect(baseline.r.data[call.field], `${label} as admin`).not.toBeNull();
      for (const key of baseline.seen.task.keys()) typesSeen.add(key.split(':')[0]!);
      for (const role of ROLES) {
        const { r, seen } = results.get(role)!;
        const code = expectedError(call, role);
        const got = r.errors?.[0]?.extensions?.code ?? null;
        expect(got, `${label} as ${role}: ${JSON.stringify(r.errors)}`).toBe(code);
        if (code) {
          expect(r.data?.[call.field] ?? null, `${label} as ${role} answered data with its error`).toBeNull();
          checks++;
          table.push(`${label} ${role}: ${code}`);
          continue;
        }
        for (const [key, owner] of seen.task) {
          expect(owner.startsWith('?'), `${label} as ${role}: ${key} belongs to no known task`).toBe(false);
          expect(sees(role, owner), `${label} as ${role} leaked ${key} of a task it may not see`).toBe(true);
        }
        if (role !== 'anonymous') {
          // What the all-seeing reader got, less what belongs to (or hangs below) a task this role may not see.
          const expected = [...baseline.seen.task]
            .filter(
              ([k, owner]) => sees(role, owner) && baseline.seen.via.get(k)!.some((p) => p.every((t) => sees(role, t))),
            )
            .map(([k]) => k);
          if (call.field !== 'notifications') {
            expect([...seen.task.keys()].sort(), `${label} as ${role}`).toEqual(expected.sort());
          }
        }
        for (const id of seen.own) {
          const n = await prisma.notification.findUniqueOrThrow({ where: { id } });
          expect(n.userId, `${label} as ${role}: someone else's notification`).toBe(users[role]?.id);
        }
        if (call.field === 'notifications') {
          const own = await prisma.notification.findMany({ where: { userId: users[role]!.id } });
          expect([...seen.own].sort()).toEqual(own.map((n) => n.id).sort());
        }
        checks++;
        table.push(`${label} ${role}: ${seen.task.size} task rows`);
      }
      // Counts of tasks follow the same rule.
      if (call.field === 'tasks' || call.field === 'dashboard') {
        for (const role of ROLES.filter((r) => r !== 'anonymous')) {
          const visible = ids.tasks.filter((t) => sees(role, t));
          const data = results.get(role)!.r.data[call.field];
          if (call.field === 'tasks') expect(data.totalCount, `tasks.totalCount as ${role}`).toBe(visible.length);
          else {
            const total = data.departments.reduce((s: number, d: { total: number }) => s + d.total, 0);
            // Departments count the tasks they lead; T3 has no lead.
            expect(total, `dashboard totals as ${role}`).toBe(
              visible.filter((t) => accessOf.get(t)!.leadDepartmentId).length,
            );
          }
        }
      }
    }
    // The fixture exercises every TASK type the schema has (else the comparison above proves little).
    const taskTypes = [...reachable].filter(
      (t) => READ_RULES.get(t) === 'TASK' && prismaModelOf(schema.getType(t) as GraphQLObjectType),
    );
    expect(
      taskTypes.filter((t) => !typesSeen.has(t)),
      'TASK types the fixture never returned',
    ).toEqual([]);
    expect(typesSeen.has('PlannedNotice')).toBe(true);
    console.info(
      `authz: ${all.length} query calls × ${ROLES.length} roles = ${checks} checks; ${taskEdges.length} task-data fields covered`,
    );
  }, 120_000);
});

describe('subscriptions and exports', () => {
  async function subscribe(role: RoleName, query: string) {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {}),
      },
      body: JSON.stringify({ query }),
      signal: controller.signal,
    });
    const received: any[] = [];
    if (res.status === 200) {
      const reader = res.body!.getReader();
      void (async () => {
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buffer += new TextDecoder().decode(value);
          const lines = buffer.split('\n');
          buffer = lines.pop()!;
          for (const line of lines) {
            if (!line.startsWith('data: ')) continue;
            const payload = JSON.parse(line.slice(6));
            received.push(payload);
          }
        }
      })();
    }
    return {
      status: res.status,
      body: res.status === 200 ? null : await res.json(),
      received,
      close: () => controller.abort(),
    };
  }

  it('delivers every subscription only to whom the rule allows; anonymous streams are refused with 401', async () => {
    const sub = schema.getSubscriptionType()!;
    const fields = Object.keys(sub.getFields());
    expect(fields.sort()).toEqual(['notificationReceived', 'taskChanged']);
    const taskChanged = `subscription { taskChanged ${rootSelection(sub, sub.getFields().taskChanged!)} }`;
    const notificationReceived = `subscription { notificationReceived ${rootSelection(sub, sub.getFields().notificationReceived!)} }`;
    const open = await Promise.all(
      ROLES.flatMap((role) => [
        subscribe(role, taskChanged).then((s) => ({ role, kind: 'taskChanged', ...s })),
        subscribe(role, notificationReceived).then((s) => ({ role, kind: 'notificationReceived', ...s })),
      ]),
    );
    for (const s of open.filter((o) => o.role === 'anonymous')) {
      expect(s.status, `${s.kind} anonymous`).toBe(401);
      expect(s.body.errors[0]).toMatchObject({ message: '请先登录。', extensions: { code: 'UNAUTHENTICATED' } });
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const t of ids.tasks) events.publish('taskChanged', { taskId: t, planId: ids.plan });
    for (const role of ROLES.filter((r) => r !== 'anonymous')) {
      events.publish('notificationReceived', { userId: users[role]!.id, notificationId: `notification-${role}` });
    }
    for (const s of open.filter((o) => o.role !== 'anonymous')) {
      const want = s.kind === 'taskChanged' ? ids.tasks.filter((t) => sees(s.role, t)).length : 1;
      await expect.poll(() => s.received.length, { timeout: 5000, message: `${s.kind} as ${s.role}` }).toBe(want);
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const s of open.filter((o) => o.role !== 'anonymous')) {
      s.close();
      for (const payload of s.received) {
        expect(payload.errors, `${s.kind} as ${s.role}`).toBeUndefined();
        const seen = await collect(
          payload.data[s.kind],
          getNamedType(sub.getFields()[s.kind]!.type) as GraphQLObjectType,
          null,
        );
        for (const [key, owner] of seen.task) expect(sees(s.role, owner), `${s.kind} as ${s.role}: ${key}`).toBe(true);
        for (const id of seen.own) expect(id).toBe(`notification-${s.role}`);
      }
      if (s.kind === 'taskChanged') {
        expect(s.received.map((p) => p.data.taskChanged.taskId).sort()).toEqual(
          ids.tasks.filter((t) => sees(s.role, t)).sort(),
        );
      }
    }
  }, 30_000);

  it('exports the ledger with exactly the rows the reader may see, and a round to readers only', async () => {
    const titles = new Map(ids.tasks.map((t, i) => [t, ['任务一', '任务二', '任务三'][i]!]));
    for (const role of ROLES) {
      const headers: Record<string, string> = tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {};
      const ledger = await fetch(`${server.url}/export/ledger.xlsx?planId=${ids.plan}`, { headers });
      const round = await fetch(`${server.url}/export/round/${ids.round}.xlsx`, { headers });
      if (role === 'anonymous') {
        expect([ledger.status, round.status]).toEqual([401, 401]);
        continue;
      }
      expect(ledger.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await ledger.arrayBuffer()) as any);
      const rows: string[] = [];
      const cells: string[][] = [];
      wb.getWorksheet('任务台账')!.eachRow((row, n) => {
        if (n === 1) return;
        rows.push(String(row.getCell(2).value));
        cells.push([String(row.getCell(6).value), String(row.getCell(7).value ?? '')]);
      });
      // Statuses and lights in the one vocabulary (domain/vocabulary.ts).
      const want2 = ids.tasks
        .filter((t) => sees(role, t))
        .map((t) => {
          const a = accessOf.get(t)!;
          const light = taskLight({
            status: a.status,
            health: a.status === 'DRAFT' ? null : 'RED',
            dueDate: '2026-03-31',
            leadDepartment: a.leadDepartmentId,
          });
          return [label('TASK_STATUS', a.status), light === 'NONE' ? '' : label('HEALTH', light)];
        });
      expect(cells, `ledger statuses and lights as ${role}`).toEqual(want2);
      const want = ids.tasks.filter((t) => sees(role, t)).map((t) => `【一、重点任务】${titles.get(t)}`);
      expect(rows, `ledger as ${role}`).toEqual(want);
      // READER (README): office, admin, supervisor.
      expect(round.status, `round export as ${role}`).toBe(users[role]!.role === 'DEPARTMENT' ? 403 : 200);
    }
  });
});
