/** Object types of the read model, exposed as the board and scripts need them. */
import { builder } from '../builder.ts';
import type { Person } from '../loaders.ts';

/** Who did something: enough to show a name, nothing private. */
export const PersonRef = builder.objectRef<Person>('Person').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    displayName: t.exposeString('displayName'),
    role: t.exposeString('role'),
    departmentName: t.exposeString('departmentName', { nullable: true }),
  }),
});

export const Department = builder.prismaObject('Department', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    shortName: t.exposeString('shortName', { nullable: true }),
    aliases: t.stringList({ resolve: (d) => JSON.parse(d.aliases) as string[] }),
    level: t.exposeString('level', { nullable: true }),
    sortOrder: t.exposeInt('sortOrder'),
  }),
});

export const User = builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    displayName: t.exposeString('displayName'),
    role: t.exposeString('role'),
    locale: t.exposeString('locale'),
    email: t.exposeString('email', { nullable: true }),
    active: t.exposeBoolean('active'),
    department: t.relation('department', { nullable: true }),
  }),
});

export const PlanTarget = builder.prismaObject('PlanTarget', {
  fields: (t) => ({
    id: t.exposeID('id'),
    text: t.exposeString('text'),
    date: t.exposeString('date', { nullable: true }),
    metric: t.exposeString('metric', { nullable: true }),
    comparator: t.exposeString('comparator', { nullable: true }),
    value: t.exposeFloat('value', { nullable: true }),
    unit: t.exposeString('unit', { nullable: true }),
  }),
});

export const Section = builder.prismaObject('Section', {
  fields: (t) => ({
    id: t.exposeID('id'),
    path: t.exposeString('path'),
    numbering: t.exposeString('numbering'),
    title: t.exposeString('title'),
    depth: t.exposeInt('depth'),
    parentId: t.exposeID('parentId', { nullable: true }),
    children: t.relation('children', { query: { orderBy: { sortOrder: 'asc' } } }),
  }),
});

export const Milestone = builder.prismaObject('Milestone', {
  fields: (t) => ({
    id: t.exposeID('id'),
    text: t.exposeString('text'),
    dueDate: t.exposeString('dueDate', { nullable: true }),
    doneAt: t.expose('doneAt', { type: 'DateTime', nullable: true }),
  }),
});

export const IndicatorActual = builder.prismaObject('IndicatorActual', {
  fields: (t) => ({
    id: t.exposeID('id'),
    value: t.exposeFloat('value'),
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
  }),
});

export const Indicator = builder.prismaObject('Indicator', {
  fields: (t) => ({
    id: t.exposeID('id'),
    text: t.exposeString('text'),
    metric: t.exposeString('metric'),
    comparator: t.exposeString('comparator'),
    targetValue: t.exposeFloat('targetValue', { nullable: true }),
    unit: t.exposeString('unit', { nullable: true }),
    baseline: t.exposeFloat('baseline', { nullable: true }),
    latestActual: t.float({
      nullable: true,
      select: { actuals: { orderBy: { recordedAt: 'desc' }, take: 1 } },
      resolve: (ind) => ind.actuals[0]?.value ?? null,
    }),
    actuals: t.relation('actuals', { query: { orderBy: { recordedAt: 'asc' } } }),
  }),
});

export const ProgressReport = builder.prismaObject('ProgressReport', {
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind'),
    progress: t.exposeInt('progress'),
    narrative: t.exposeString('narrative'),
    problems: t.exposeString('problems', { nullable: true }),
    nextSteps: t.exposeString('nextSteps', { nullable: true }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime' }),
    onTime: t.exposeBoolean('onTime'),
    authorId: t.exposeString('authorId'),
    author: t.field({ type: PersonRef, nullable: true, resolve: (r, _a, ctx) => ctx.loaders.person(r.authorId) }),
    department: t.relation('department'),
    roundId: t.exposeID('roundId', { nullable: true }),
    actuals: t.relation('actuals'),
  }),
});

export const ExtensionRequest = builder.prismaObject('ExtensionRequest', {
  fields: (t) => ({
    id: t.exposeID('id'),
    requestedById: t.exposeString('requestedById'),
    requestedBy: t.field({
      type: PersonRef,
      nullable: true,
      resolve: (r, _a, ctx) => ctx.loaders.person(r.requestedById),
    }),
    decidedBy: t.field({ type: PersonRef, nullable: true, resolve: (r, _a, ctx) => ctx.loaders.person(r.decidedById) }),
    currentDueDate: t.exposeString('currentDueDate', { nullable: true }),
    requestedDueDate: t.exposeString('requestedDueDate'),
    reason: t.exposeString('reason'),
    status: t.exposeString('status'),
    decidedById: t.exposeString('decidedById', { nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    decisionReason: t.exposeString('decisionReason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ClosureReview = builder.prismaObject('ClosureReview', {
  fields: (t) => ({
    id: t.exposeID('id'),
    requestedById: t.exposeString('requestedById'),
    summary: t.exposeString('summary'),
    status: t.exposeString('status'),
    reviewerId: t.exposeString('reviewerId', { nullable: true }),
    requestedBy: t.field({
      type: PersonRef,
      nullable: true,
      resolve: (r, _a, ctx) => ctx.loaders.person(r.requestedById),
    }),
    reviewer: t.field({ type: PersonRef, nullable: true, resolve: (r, _a, ctx) => ctx.loaders.person(r.reviewerId) }),
    reason: t.exposeString('reason', { nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Instruction = builder.prismaObject('Instruction', {
  fields: (t) => ({
    id: t.exposeID('id'),
    authorId: t.exposeString('authorId'),
    author: t.field({ type: PersonRef, nullable: true, resolve: (r, _a, ctx) => ctx.loaders.person(r.authorId) }),
    text: t.exposeString('text'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Notice = builder.prismaObject('Notice', {
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind'),
    level: t.exposeInt('level'),
    fireAt: t.expose('fireAt', { type: 'DateTime' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    status: t.exposeString('status'),
    recipients: t.stringList({ resolve: (n) => JSON.parse(n.recipients) as string[] }),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});

export const SupervisionOrder = builder.prismaObject('SupervisionOrder', {
  description: '督办单: a formal, numbered supervision notice and its answer (domain/orders.ts).',
  fields: (t) => ({
    id: t.exposeID('id'),
    docNumber: t.exposeString('docNumber', { description: 'As printed, e.g. 〔2026〕12号' }),
    year: t.exposeInt('year'),
    number: t.exposeInt('number'),
    kind: t.exposeString('kind'),
    level: t.exposeInt('level'),
    status: t.exposeString('status', { description: 'ISSUED | REPLIED | CLOSED' }),
    reason: t.exposeString('reason', { nullable: true }),
    dueDate: t.exposeString('dueDate', { nullable: true }),
    daysOverdue: t.exposeInt('daysOverdue'),
    progress: t.exposeInt('progress'),
    lastReportAt: t.expose('lastReportAt', { type: 'DateTime', nullable: true }),
    issuedOn: t.exposeString('issuedOn'),
    issuedAt: t.expose('issuedAt', { type: 'DateTime' }),
    replyBy: t.exposeString('replyBy'),
    reply: t.exposeString('reply', { nullable: true }),
    repliedAt: t.expose('repliedAt', { type: 'DateTime', nullable: true }),
    repliedBy: t.field({ type: PersonRef, nullable: true, resolve: (o, _a, ctx) => ctx.loaders.person(o.repliedById) }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    closedBy: t.field({ type: PersonRef, nullable: true, resolve: (o, _a, ctx) => ctx.loaders.person(o.closedById) }),
    departments: t.prismaField({
      type: ['Department'],
      resolve: (q, o, _a, ctx) =>
        ctx.prisma.department.findMany({ ...q, where: { id: { in: JSON.parse(o.departmentIds) as string[] } } }),
    }),
    task: t.relation('task'),
    documentUrl: t.string({
      description: 'The 督办通知书 (.docx)',
      resolve: (o) => `/export/order/${encodeURIComponent(o.id)}.docx`,
    }),
  }),
});

export const TimelineEvent = builder.prismaObject('TaskEvent', {
  name: 'TimelineEvent',
  fields: (t) => ({
    id: t.exposeID('id'),
    at: t.expose('at', { type: 'DateTime' }),
    kind: t.exposeString('kind'),
    actorId: t.exposeString('actorId', { nullable: true }),
    actor: t.field({ type: PersonRef, nullable: true, resolve: (e, _a, ctx) => ctx.loaders.person(e.actorId) }),
    actorRole: t.exposeString('actorRole', { nullable: true }),
    fromStatus: t.exposeString('fromStatus', { nullable: true }),
    toStatus: t.exposeString('toStatus', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    data: t.string({ description: 'JSON details of the event', resolve: (e) => e.data }),
  }),
});

export const Notification = builder.prismaObject('Notification', {
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    link: t.exposeString('link', { nullable: true }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    notice: t.relation('notice', { nullable: true }),
  }),
});

export const PlannedNoticeRef = builder
  .objectRef<{
    key: string;
    kind: string;
    level: number;
    date: string;
    fireAt: string;
    recipients: string[];
    milestone?: string;
  }>('PlannedNotice')
  .implement({
    description: 'A notice the ladder will send unless the task changes first.',
    fields: (t) => ({
      key: t.exposeString('key'),
      kind: t.exposeString('kind'),
      level: t.exposeInt('level'),
      date: t.exposeString('date'),
      fireAt: t.exposeString('fireAt'),
      recipients: t.exposeStringList('recipients'),
      milestone: t.exposeString('milestone', { nullable: true }),
    }),
  });
