/** GraphQL types of 退单, 挂起 and 回头看 (Task.responsibility); the commands are in responsibility.ts. */
import type { ResponsibilityView } from '../../workflows/types.ts';
import { builder } from '../builder.ts';

const DisputeRef = builder.objectRef<NonNullable<ResponsibilityView['dispute']>>('TaskDispute').implement({
  description: '退单: the lead department said "not ours"; the office decides by decideBy.',
  fields: (t) => ({
    reason: t.exposeString('reason'),
    byUserId: t.exposeString('by'),
    departmentId: t.exposeString('departmentId', { nullable: true }),
    raisedOn: t.exposeString('raisedOn'),
    decideBy: t.exposeString('decideBy'),
    escalated: t.boolean({ resolve: (d) => !!d.escalated }),
  }),
});

const PauseRequestRef = builder.objectRef<NonNullable<ResponsibilityView['pendingPause']>>('PauseRequest').implement({
  description: '挂起申请 awaiting the office.',
  fields: (t) => ({
    reason: t.exposeString('reason'),
    until: t.exposeString('until', { nullable: true }),
    requestedBy: t.exposeString('requestedBy'),
    at: t.exposeString('at'),
  }),
});

const PauseRef = builder.objectRef<NonNullable<ResponsibilityView['pause']>>('Pause').implement({
  description: '挂起 in force: since (inclusive) until the day work resumes (null: until resumed by hand).',
  fields: (t) => ({
    reason: t.exposeString('reason'),
    since: t.exposeString('since'),
    until: t.exposeString('until', { nullable: true }),
  }),
});

export const ResponsibilityRef = builder.objectRef<Partial<ResponsibilityView>>('TaskResponsibility').implement({
  fields: (t) => ({
    dispute: t.field({ type: DisputeRef, nullable: true, resolve: (r) => r.dispute ?? null }),
    pendingPause: t.field({ type: PauseRequestRef, nullable: true, resolve: (r) => r.pendingPause ?? null }),
    pause: t.field({ type: PauseRef, nullable: true, resolve: (r) => r.pause ?? null }),
    pausedWorkingDays: t.int({ resolve: (r) => r.pausedWorkingDays ?? 0 }),
    closedOn: t.string({ nullable: true, resolve: (r) => r.closedOn ?? null }),
    reopenUntil: t.string({
      nullable: true,
      description: '回头看: the last day this closed task may be reopened.',
      resolve: (r) => r.reopenUntil ?? null,
    }),
    reopened: t.int({ description: 'How often the task was reopened.', resolve: (r) => r.reopened ?? 0 }),
  }),
});
