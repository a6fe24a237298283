// Bad input for tests/api/fuzz.test.ts, generated from the schema: bad values per argument type, a valid
// base call of every mutation, and the cases (bad arguments, wrong roles, wrong states) varied from it.
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
import { encodeGlobalID } from '@pothos/plugin-relay';
import { ACCESS_RULES, refusal, type AccessActor, type TaskAction } from '../../domain/access.ts';
import { schema } from '../../api/schema/index.ts';
import { accessTaskOf, TASK_ACCESS_SELECT } from '../../api/access.ts';
import { ROLES, world, type RoleName } from './fuzz-world.ts';

const { users, dept, T } = world;

export const OMIT = Symbol('omit');
interface Bad {
  label: string;
  value: unknown;
}

const looksLikeDate = (name: string) => /(^|[a-z])(date|Date)$|^due$|^assigned$|^acknowledged$/.test(name);
const IMPOSSIBLE_DATES = ['2026-02-30', '2028-02-30', '2026-13-01', '2026-04-31', '2026-2-3', '明天'];

/** Values of `type` that no valid call carries, for an argument or input field named `name`. */
export function badValues(name: string, type: GraphQLInputType, base: unknown): Bad[] {
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
export interface Base {
  role: RoleName;
  args: () => Record<string, unknown>;
  /** The task action, for task commands (roles and states are then generated from ACCESS_RULES). */
  action?: TaskAction;
}

const PLAN_TEXT = '测试方案\n一、重点任务\n（一）推进分级诊疗。（县卫健局牵头，2030年底前完成）';

export const BASES: Record<string, Base> = {
  login: { role: 'anonymous', args: () => ({ username: 'nobody', password: 'wrong-password' }) },
  logout: { role: 'anonymous', args: () => ({}) },
  importPlan: { role: 'office', args: () => ({ text: PLAN_TEXT, dryRun: false }) },
  createTask: { role: 'office', args: () => ({ planId: world.saved.planId, title: '新任务', dueDate: '2027-01-29' }) },
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
  openRound: { role: 'office', args: () => ({ planId: world.saved.planId, quarter: '2026-Q4' }) },
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
      planId: world.saved.planId,
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

function actorOf(role: RoleName): AccessActor | null {
  const u = users[role];
  return u ? { userId: u.id, role: u.role, departmentId: u.departmentId } : null;
}

/** The task as the API's side of the one access rule reads it (api/access.ts). */
async function accessTask(taskId: string) {
  const { prisma } = world;
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

export async function casesFor(field: string, base: Base): Promise<Case[]> {
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
