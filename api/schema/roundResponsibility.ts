/** GraphQL types of what a closed round keeps of 退单, approved 延期 and ended 挂起 (domain/responsibility.ts). */
import type { RoundResponsibility } from '../../domain/responsibility.ts';
import { visibleDepartmentIds } from '../../domain/access.ts';
import { builder } from '../builder.ts';
import { accessActor } from '../access.ts';
import type { Context } from '../context.ts';

type Dispute = RoundResponsibility['disputes'][number];
type Extension = RoundResponsibility['extensions'][number];
type Pause = RoundResponsibility['pauses'][number];

const departmentName = async (id: string | null | undefined, ctx: Context) =>
  id ? ((await ctx.prisma.department.findUnique({ where: { id }, select: { name: true } }))?.name ?? null) : null;

const RoundDisputeRef = builder.objectRef<Dispute>('RoundDispute').implement({
  fields: (t) => ({
    taskId: t.exposeString('taskId'),
    title: t.exposeString('title'),
    raisedOn: t.exposeString('raisedOn'),
    outcome: t.exposeString('outcome', { description: 'REASSIGNED | UPHELD | WITHDRAWN | PENDING' }),
    escalated: t.exposeBoolean('escalated'),
    departmentName: t.string({ nullable: true, resolve: (d, _a, ctx) => departmentName(d.department, ctx) }),
  }),
});
const RoundExtensionRef = builder.objectRef<Extension>('RoundExtension').implement({
  fields: (t) => ({
    taskId: t.exposeString('taskId'),
    title: t.exposeString('title'),
    from: t.exposeString('from', { nullable: true }),
    to: t.exposeString('to'),
    decidedOn: t.exposeString('decidedOn'),
    departmentName: t.string({ nullable: true, resolve: (d, _a, ctx) => departmentName(d.department, ctx) }),
  }),
});
const RoundPauseRef = builder.objectRef<Pause>('RoundPause').implement({
  fields: (t) => ({
    taskId: t.exposeString('taskId'),
    title: t.exposeString('title'),
    since: t.exposeString('since'),
    until: t.exposeString('until'),
    workingDays: t.exposeInt('workingDays'),
    departmentName: t.string({ nullable: true, resolve: (d, _a, ctx) => departmentName(d.department, ctx) }),
  }),
});

export const RoundResponsibilityRef = builder.objectRef<RoundResponsibility>('RoundResponsibility').implement({
  description: '退单 raised, 延期 approved and 挂起 ended in the round, frozen at close.',
  fields: (t) => ({
    disputes: t.field({ type: [RoundDisputeRef], resolve: (r) => r.disputes }),
    extensions: t.field({ type: [RoundExtensionRef], resolve: (r) => r.extensions }),
    pauses: t.field({ type: [RoundPauseRef], resolve: (r) => r.pauses }),
  }),
});

/** The round's record as the reader may see it: a department sees its own lines only (the one access rule). */
export function visibleRoundResponsibility(evaluation: string | null, ctx: Context): RoundResponsibility | null {
  if (!evaluation) return null;
  const r = (JSON.parse(evaluation) as { responsibility?: RoundResponsibility }).responsibility;
  if (!r) return null;
  const actor = accessActor(ctx.user);
  const depts = actor ? visibleDepartmentIds(actor) : [];
  if (depts === null) return r;
  const mine = (d: string | null | undefined) => !!d && depts.includes(d);
  return {
    disputes: r.disputes.filter((d) => mine(d.department)),
    extensions: r.extensions.filter((x) => mine(x.department)),
    pauses: r.pauses.filter((p) => mine(p.department)),
    byDepartment: r.byDepartment.filter((b) => mine(b.department)),
  };
}
