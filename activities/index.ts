/**
 * Every side effect of the workflows: projecting state into the read model,
 * delivering notices (in-app, email, webhook), and reading what workflows need
 * from the database (calendar, settings, round progress). Each activity is
 * idempotent: keys chosen by the workflow make a retried call write once.
 */
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import { displayHealth } from '../domain/health.ts';
import { assessmentRules, roundAssessmentEvents } from '../domain/assessment.ts';
import { endOfDay, shanghaiDate, shanghaiInstant } from '../domain/calendar.ts';
import { parseCadenceCode, periodsInWindow } from '../domain/cadence.ts';
import { evaluateRound, quarterFirstDay, quarterLastDay } from '../domain/rounds.ts';
import type { Comparator, Health, TaskStatus } from '../domain/types.ts';
import type { NoticeToSend } from '../workflows/types.ts';
import { createMailer, type Mailer } from './mailer.ts';
import { noticeBody, noticeSubject } from './messages.ts';
import { registerOrder } from './orders.ts';
import type { DubanActivities, ProjectTaskInput } from './types.ts';

export type { DubanActivities } from './types.ts';

export interface ActivityDeps {
  prisma: PrismaClient;
  config: DubanConfig;
  /** Overrides the SMTP mailer built from config (tests, capture mode). */
  mailer?: Mailer;
  fetch?: typeof fetch;
}

const shanghaiMidnight = (date: string | null | undefined): Date | null =>
  date ? new Date(`${date}T00:00:00+08:00`) : null;

const COMPARATORS: Record<string, Comparator> = { GTE: '>=', LTE: '<=', EQ: '=', APPROX: '~', GT: '>', LT: '<' };

/**
 * Opt-in trace of every projection (DUBAN_PROJECTION_LOG=/path): one JSON line per
 * committed projectTask call, for reading a fault soak's read-model lags afterwards.
 */
function projectionLog(task: ProjectTaskInput['task'], event: ProjectTaskInput['event'], resync: boolean) {
  const file = process.env.DUBAN_PROJECTION_LOG;
  if (!file) return null;
  let info: Partial<ReturnType<typeof Context.current>['info']> = {};
  try {
    info = Context.current().info;
  } catch {
    // not running as an activity
  }
  const started = new Date().toISOString();
  const entry = {
    before: null as [number, number, string] | null,
    applied: 0,
    removed: [] as number[],
    error: undefined as string | undefined,
    write() {
      const line = {
        started,
        ended: new Date().toISOString(),
        pid: process.pid,
        taskId: task.taskId,
        seq: task.seq,
        attempt: task.attempt ?? 0,
        order: task.order,
        kind: event.kind,
        status: task.status,
        resync,
        pendingExtension: task.pendingExtension?.id ?? null,
        before: entry.before,
        applied: entry.applied,
        removed: entry.removed,
        error: entry.error,
        runId: info.workflowExecution?.runId,
        activityId: info.activityId,
        activityAttempt: info.attempt,
        isLocal: info.isLocal,
        scheduledAt: info.scheduledTimestampMs,
      };
      try {
        fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
      } catch {
        // a trace never fails a projection
      }
    },
  };
  return entry;
}
type ProjectionLogEntry = NonNullable<ReturnType<typeof projectionLog>>;

export function createActivities(deps: ActivityDeps): DubanActivities {
  const { prisma, config } = deps;
  const mailer = deps.mailer ?? createMailer(config.mail.smtpUrl, config.mail.from);
  const doFetch = deps.fetch ?? fetch;

  /**
   * Write the workflow's state into the read model so that it converges to
   * exactly what the workflow did. A local activity writes before its workflow
   * task is committed; when that task is lost, the workflow runs again from
   * the last committed state and projects the same seqs with other content,
   * while the lost execution's writes may still be under way (a worker keeps
   * running a local activity whose task it lost).
   *
   * So every write carries `task.order`, which execution of the workflow made
   * it (run start, history length, workflow task time; see projectionOrder in
   * workflows/reformTask.ts). A later execution started from committed state,
   * so its write wins at any seq; within one execution a later seq wins. The
   * winner replaces the task row, its cooperators, milestones and pending
   * requests whole, and removes every row created at seq >= N (> N for a
   * resync, which has no event of its own) before writing its own: nothing
   * the workflow did is dropped, nothing it did not do survives.
   */
  async function projectTask(input: ProjectTaskInput): Promise<void> {
    const log = projectionLog(input.task, input.event, input.resync ?? false);
    try {
      await writeProjection(input, log);
    } catch (err) {
      if (log) log.error = String(err).slice(0, 300);
      log?.write();
      throw err;
    }
    log?.write();
  }

  async function writeProjection(
    { task, event, extra = {}, resync = false }: ProjectTaskInput,
    log: ProjectionLogEntry | null,
  ): Promise<void> {
    const seq = task.seq;
    const attempt = task.attempt ?? 0;
    // A write without an order (an activity scheduled before orders existed) loses to every write with one.
    const order = task.order ?? '';
    await prisma.$transaction(async (tx) => {
      if (log) {
        const before = await tx.task.findUnique({
          where: { id: task.taskId },
          select: { projectionSeq: true, projectionAttempt: true, projectionOrder: true },
        });
        log.before = before ? [before.projectionSeq, before.projectionAttempt, before.projectionOrder] : null;
      }
      const updated = await tx.task.updateMany({
        where: {
          id: task.taskId,
          OR: [{ projectionOrder: { lt: order } }, { projectionOrder: order, projectionSeq: { lte: seq } }],
        },
        data: {
          status: task.status,
          health: displayHealth(task),
          escalationLevel: task.escalationLevel,
          leadDepartmentId: task.leadDepartmentId,
          dueDate: task.dueDate,
          progress: task.progress,
          assignedAt: shanghaiMidnight(task.assignedOn),
          acknowledgedAt: shanghaiMidnight(task.acknowledgedOn),
          closedAt: task.status === 'CLOSED' ? new Date(event.at) : null,
          needsAssignment: task.leadDepartmentId === null,
          ...(extra.cancelReason ? { cancelReason: extra.cancelReason } : {}),
          ...(task.reportCadence !== undefined ? { reportCadence: task.reportCadence } : {}),
          ...(task.responsibility !== undefined ? { responsibility: JSON.stringify(task.responsibility) } : {}),
          projectionSeq: seq,
          projectionAttempt: attempt,
          projectionOrder: order,
        },
      });
      if (log) log.applied = updated.count;
      // An older write (a straggler of a lost workflow task) changes nothing.
      if (updated.count === 0) return;
      // A resync keeps its own seq's rows (it has no event of its own) and removes those above.
      const mine = { taskId: task.taskId, seq: resync ? { gt: seq } : { gte: seq } };
      const phantomReports = await tx.progressReport.findMany({ where: mine, select: { id: true } });
      if (phantomReports.length) {
        await tx.indicatorActual.deleteMany({ where: { reportId: { in: phantomReports.map((r) => r.id) } } });
        await tx.progressReport.deleteMany({ where: mine });
      }
      const removed = [
        phantomReports.length,
        (await tx.taskEvent.deleteMany({ where: mine })).count,
        (await tx.extensionRequest.deleteMany({ where: mine })).count,
        (await tx.closureReview.deleteMany({ where: mine })).count,
        (await tx.instruction.deleteMany({ where: mine })).count,
      ];
      if (log) log.removed = removed;

      await tx.taskCooperator.deleteMany({ where: { taskId: task.taskId } });
      await tx.taskCooperator.createMany({
        data: task.cooperatingDepartmentIds.map((departmentId, i) => ({
          taskId: task.taskId,
          departmentId,
          sortOrder: i,
        })),
      });
      await tx.milestone.deleteMany({ where: { taskId: task.taskId } });
      await tx.milestone.createMany({
        data: task.milestones.map((m) => ({
          taskId: task.taskId,
          text: m.title ?? m.dueDate,
          dueDate: m.dueDate,
          doneAt: m.completedOn ? new Date(`${m.completedOn}T00:00:00+08:00`) : null,
        })),
      });
      // Pending requests are state: a request the workflow no longer holds (the task was
      // cancelled, or another request took its place) is closed, and a decision the
      // workflow never committed is undone.
      const held = (r: { id?: string } | null) => (r?.id ? { id: { not: r.id } } : {});
      await tx.extensionRequest.updateMany({
        where: { taskId: task.taskId, status: 'PENDING', seq: { lte: seq }, ...held(task.pendingExtension) },
        data: { status: 'WITHDRAWN' },
      });
      await tx.closureReview.updateMany({
        where: { taskId: task.taskId, status: 'PENDING', seq: { lte: seq }, ...held(task.pendingClosure) },
        data: { status: 'WITHDRAWN' },
      });
      // A resync keeps its own seq's rows: a request made at that seq and decided by a lost
      // workflow task is pending again too (seq <= N, not < N).
      if (task.pendingExtension) {
        await tx.extensionRequest.updateMany({
          where: { id: task.pendingExtension.id, seq: { lte: seq } },
          data: { status: 'PENDING', decidedById: null, decidedAt: null, decisionReason: null },
        });
      }
      if (task.pendingClosure) {
        await tx.closureReview.updateMany({
          where: { id: task.pendingClosure.id, seq: { lte: seq } },
          data: { status: 'PENDING', reviewerId: null, reason: null, decidedAt: null },
        });
      }

      // 督办单 follow the workflow: the ones it holds open have its status (a reply or a
      // closing it never committed is undone); when the task ends, every open one closes.
      for (const o of task.orders ?? []) {
        await tx.supervisionOrder.updateMany({
          where: { id: o.id },
          data: {
            status: o.status,
            closedAt: null,
            closedById: null,
            ...(o.status === 'ISSUED' ? { reply: null, repliedById: null, repliedAt: null } : {}),
          },
        });
      }
      if (task.status === 'CLOSED' || task.status === 'CANCELLED') {
        await tx.supervisionOrder.updateMany({
          where: { taskId: task.taskId, status: { not: 'CLOSED' } },
          data: { status: 'CLOSED', closedAt: new Date(event.at), seq },
        });
      }

      if (resync) return;
      await tx.taskEvent.create({
        data: {
          id: event.id,
          taskId: task.taskId,
          seq,
          at: new Date(event.at),
          actorId: event.actor?.userId ?? null,
          actorRole: event.actor?.role ?? null,
          kind: event.kind,
          fromStatus: event.fromStatus ?? null,
          toStatus: event.toStatus ?? null,
          reason: event.reason ?? null,
          data: JSON.stringify(event.data ?? {}),
        },
      });
      const r = extra.report;
      if (r) {
        const submittedAt = new Date(event.at);
        const round =
          r.kind === 'REPORT'
            ? await tx.supervisionRound.findFirst({
                where: { planId: task.planId, status: 'OPEN', opensAt: { lte: submittedAt } },
                orderBy: { opensAt: 'desc' },
              })
            : null;
        const dueEnd = round ? new Date(`${round.reportDueDate}T23:59:59.999+08:00`) : null;
        await tx.progressReport.create({
          data: {
            id: r.id,
            taskId: task.taskId,
            seq,
            roundId: round?.id ?? null,
            departmentId: r.departmentId,
            authorId: r.authorId,
            kind: r.kind,
            progress: r.progress,
            narrative: r.narrative,
            problems: r.problems ?? null,
            nextSteps: r.nextSteps ?? null,
            submittedAt,
            // A periodic report (报送频次) is judged against its period; a round's report against the round.
            onTime: r.onTime ?? (dueEnd ? submittedAt <= dueEnd : true),
            dueOn: r.dueOn ?? null,
          },
        });
        if (r.actuals.length) {
          await tx.indicatorActual.createMany({
            data: r.actuals.map((a) => ({
              indicatorId: a.indicatorId,
              reportId: r.id,
              value: a.value,
              recordedAt: submittedAt,
            })),
          });
        }
      }
      // A decision on no request (two decisions accepted at once, before 'update-checks-at-change')
      // records its event only: failing it would hold back every later projection of the task.
      const x = extra.extension?.id ? extra.extension : undefined;
      if (x) {
        const data = {
          status: x.status,
          decidedById: x.decidedBy ?? null,
          decidedAt: x.decidedAt ? new Date(x.decidedAt) : null,
          decisionReason: x.decisionReason ?? null,
        };
        await tx.extensionRequest.upsert({
          where: { id: x.id },
          update: data,
          create: {
            id: x.id,
            taskId: task.taskId,
            seq,
            requestedById: x.requestedBy,
            currentDueDate: x.currentDueDate,
            requestedDueDate: x.requestedDueDate,
            reason: x.reason,
            createdAt: new Date(x.at),
            ...data,
          },
        });
      }
      const c = extra.closure?.id ? extra.closure : undefined;
      if (c) {
        const data = {
          status: c.status,
          reviewerId: c.reviewerId ?? null,
          reason: c.reason ?? null,
          decidedAt: c.decidedAt ? new Date(c.decidedAt) : null,
        };
        await tx.closureReview.upsert({
          where: { id: c.id },
          update: data,
          create: {
            id: c.id,
            taskId: task.taskId,
            seq,
            requestedById: c.requestedBy,
            summary: c.summary,
            createdAt: new Date(c.at),
            ...data,
          },
        });
      }
      const o = extra.order;
      if (o) {
        const at = new Date(event.at);
        await tx.supervisionOrder.updateMany({
          where: { id: o.id },
          data:
            o.status === 'REPLIED'
              ? { status: 'REPLIED', reply: o.text ?? null, repliedById: o.by, repliedAt: at, seq }
              : { status: 'CLOSED', closedById: o.by, closedAt: at, seq },
        });
      }
      const ins = extra.instruction;
      if (ins) {
        await tx.instruction.create({
          data: {
            id: ins.id,
            taskId: task.taskId,
            seq,
            authorId: ins.authorId,
            text: ins.text,
            createdAt: new Date(event.at),
          },
        });
      }
    });
  }

  /** Who receives a notice: users by role, and department staff of the named departments. */
  async function recipientsOf(n: NoticeToSend) {
    const or: object[] = [];
    if (n.recipients.includes('LEAD_DEPARTMENT') || n.recipients.includes('DEPARTMENT_HEAD')) {
      or.push({ role: 'DEPARTMENT', departmentId: { in: n.departmentIds } });
    }
    if (n.recipients.includes('OFFICE')) or.push({ role: 'OFFICE' });
    if (n.recipients.includes('SUPERVISOR')) or.push({ role: 'SUPERVISOR' });
    if (!or.length) return [];
    return prisma.user.findMany({ where: { active: true, OR: or }, orderBy: { username: 'asc' } });
  }

  /** Tell Temporal this activity is alive (no-op when called outside an activity, e.g. from a script). */
  function heartbeat(): void {
    try {
      Context.current().heartbeat();
    } catch {
      // not running as an activity
    }
  }

  /** Run `send` once per key: a delivery already marked SENT is not repeated on retry. */
  async function deliverOnce(
    key: string,
    channel: string,
    recipient: string,
    noticeId: string,
    send: () => Promise<void>,
  ) {
    heartbeat();
    const existing = await prisma.delivery.findUnique({ where: { key } });
    if (existing?.status === 'SENT') return false;
    await prisma.delivery.upsert({
      where: { key },
      update: { attempts: { increment: 1 } },
      create: { key, channel, recipient, noticeId, attempts: 1 },
    });
    try {
      await send();
    } catch (err) {
      await prisma.delivery.update({ where: { key }, data: { status: 'FAILED', lastError: String(err) } });
      throw err;
    }
    await prisma.delivery.update({ where: { key }, data: { status: 'SENT', sentAt: new Date(), lastError: null } });
    return true;
  }

  async function deliverNotice(n: NoticeToSend) {
    const order = await registerOrder(prisma, n);
    const subject = noticeSubject(n, order);
    const link = config.publicUrl && n.taskId ? `${config.publicUrl}/tasks/${n.taskId}` : undefined;
    const body = noticeBody(n, link, order);
    await prisma.notice.upsert({
      where: { id: n.key },
      update: {},
      create: {
        id: n.key,
        taskId: n.taskId ?? null,
        roundId: n.roundId ?? null,
        kind: n.kind,
        level: n.level,
        fireAt: new Date(n.fireAt),
        sentAt: new Date(),
        status: 'SENT',
        recipients: JSON.stringify(n.recipients),
        reason: n.reason ?? null,
      },
    });
    const users = await recipientsOf(n);
    for (const u of users) {
      await prisma.notification.upsert({
        where: { id: `${n.key}:${u.id}` },
        update: {},
        create: { id: `${n.key}:${u.id}`, userId: u.id, noticeId: n.key, title: subject, body, link: link ?? null },
      });
    }
    let emails = 0;
    if (mailer) {
      for (const u of users.filter((x) => x.email)) {
        const sent = await deliverOnce(`${n.key}:email:${u.email}`, 'EMAIL', u.email!, n.key, () =>
          mailer.send({ to: u.email!, subject, text: body, messageId: `<${encodeURIComponent(n.key)}.${u.id}@duban>` }),
        );
        if (sent) emails++;
      }
    }
    let webhooks = 0;
    if (n.departmentIds.length) {
      const depts = await prisma.department.findMany({
        where: { id: { in: n.departmentIds }, webhook: { not: null } },
      });
      for (const d of depts) {
        const sent = await deliverOnce(`${n.key}:webhook:${d.id}`, 'WEBHOOK', d.webhook!, n.key, async () => {
          // The text-message shape both DingTalk and WeCom group robots accept.
          const res = await doFetch(d.webhook!, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': n.key },
            body: JSON.stringify({ msgtype: 'text', text: { content: `${subject}\n${body}` } }),
          });
          if (!res.ok) throw new Error(`Webhook ${d.name} answered HTTP ${res.status}`);
        });
        if (sent) webhooks++;
      }
    }
    return { notifications: users.length, emails, webhooks };
  }

  async function loadCalendar() {
    const rows = await prisma.calendarOverride.findMany({ orderBy: { date: 'asc' } });
    const officialYears = [
      ...new Set(rows.filter((r) => r.source === 'official').map((r) => Number(r.date.slice(0, 4)))),
    ];
    return {
      overrides: rows.map((r) => ({
        date: r.date,
        kind: r.kind as 'WORKDAY' | 'HOLIDAY',
        ...(r.name ? { name: r.name } : {}),
      })),
      officialYears,
    };
  }

  async function loadPlanSettings(planId: string) {
    const plan = await prisma.plan.findUnique({ where: { id: planId } });
    const s = plan ? (JSON.parse(plan.settings) as Record<string, any>) : {};
    return {
      thresholds: s.thresholds ?? {},
      noticeTime: s.noticeTime,
      reportDueWorkingDays: s.reportDueWorkingDays ?? 5,
      extensionRules: s.extensionRules ?? {},
      schedule: s.schedule ?? {},
      orders: s.orders ?? {},
      responsibility: s.responsibility ?? {},
      evidence: s.evidence ?? {},
    };
  }

  async function openRound(input: {
    planId: string;
    year: number;
    quarter: number;
    opensAt: string;
    reportDueDate: string;
  }) {
    const round = await prisma.supervisionRound.upsert({
      where: { planId_year_quarter: { planId: input.planId, year: input.year, quarter: input.quarter } },
      update: {},
      create: {
        planId: input.planId,
        year: input.year,
        quarter: input.quarter,
        opensAt: new Date(input.opensAt),
        reportDueDate: input.reportDueDate,
      },
    });
    const taskCount = await prisma.task.count({
      where: { planId: input.planId, status: { in: ['ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED'] } },
    });
    return { roundId: round.id, taskCount };
  }

  async function roundProgress(roundId: string) {
    const round = await prisma.supervisionRound.findUniqueOrThrow({ where: { id: roundId } });
    const tasks = await prisma.task.findMany({
      where: {
        planId: round.planId,
        status: { in: ['ASSIGNED', 'IN_PROGRESS'] },
        leadDepartmentId: { not: null },
        reports: { none: { kind: 'REPORT', submittedAt: { gte: round.opensAt } } },
      },
      select: { id: true, leadDepartmentId: true },
      orderBy: { sortOrder: 'asc' },
    });
    const byDept = new Map<string, string[]>();
    for (const t of tasks) byDept.set(t.leadDepartmentId!, [...(byDept.get(t.leadDepartmentId!) ?? []), t.id]);
    return { roundId, missing: [...byDept].map(([departmentId, taskIds]) => ({ departmentId, taskIds })) };
  }

  async function closeRound(roundId: string) {
    const round = await prisma.supervisionRound.findUniqueOrThrow({ where: { id: roundId } });
    if (round.status === 'CLOSED')
      return { departments: await prisma.roundEvaluationRow.count({ where: { roundId } }) };
    const plan = await prisma.plan.findUniqueOrThrow({ where: { id: round.planId } });
    const settings = JSON.parse(plan.settings) as Record<string, any>;
    const tasks = await prisma.task.findMany({
      where: { planId: round.planId, leadDepartmentId: { not: null }, status: { not: 'DRAFT' } },
      include: {
        indicators: { include: { actuals: { orderBy: { recordedAt: 'desc' }, take: 1 } } },
        reports: {
          where: { kind: 'REPORT', submittedAt: { gte: round.opensAt } },
          orderBy: { submittedAt: 'asc' },
          take: 1,
        },
        cooperators: { select: { departmentId: true } },
      },
    });
    const dueAt = new Date(`${round.reportDueDate}T23:59:59.999+08:00`);
    dueAt.setMilliseconds(dueAt.getMilliseconds() + 1);
    // A report was owed for every task open when the round opened (closed ones that reported still count).
    const owed = (t: (typeof tasks)[number]) =>
      t.status !== 'CANCELLED' && (t.status !== 'CLOSED' || t.reports.length > 0);
    const q = { year: round.year, quarter: round.quarter as 1 | 2 | 3 | 4 };
    const period = { start: quarterFirstDay(q), end: quarterLastDay(q) };
    const assessment = assessmentRules(settings.assessment ?? {});
    const orders =
      assessment.mode === 'POINTS'
        ? await prisma.supervisionOrder.groupBy({
            by: ['taskId'],
            where: { planId: round.planId, issuedOn: { gte: period.start, lte: period.end } },
            _count: { _all: true },
          })
        : [];
    const ordersOf = new Map(orders.map((o) => [o.taskId, o._count._all]));
    // 报送频次: every period due in the quarter is a report owed, on time, late or missing.
    const cadenced = tasks.filter((t) => t.reportCadence && t.assignedAt && t.status !== 'CANCELLED');
    const reportDays = new Map<string, string[]>();
    if (cadenced.length) {
      const rows = await prisma.progressReport.findMany({
        where: { taskId: { in: cadenced.map((t) => t.id) }, kind: 'REPORT' },
        select: { taskId: true, submittedAt: true },
      });
      for (const r of rows)
        reportDays.set(r.taskId, [...(reportDays.get(r.taskId) ?? []), shanghaiDate(r.submittedAt)]);
    }
    const periods = cadenced.flatMap((t) =>
      periodsInWindow(
        parseCadenceCode(t.reportCadence)!,
        shanghaiDate(t.assignedAt!),
        reportDays.get(t.id) ?? [],
        period,
        t.closedAt ? shanghaiDate(t.closedAt) : null,
      ).map((p) => ({ task: t, ...p })),
    );
    const evaluation = evaluateRound({
      schedule: { reportDueAt: dueAt.toISOString() },
      reports: [
        ...tasks.filter(owed).map((t) => ({
          taskId: t.id,
          department: t.leadDepartmentId!,
          submittedAt: t.reports[0]?.submittedAt.toISOString() ?? null,
        })),
        ...periods.map((p) => ({
          taskId: p.task.id,
          department: p.task.leadDepartmentId!,
          dueAt: endOfDay(p.due),
          // The day it was settled stands for the report: on time means on or before the due day.
          submittedAt: p.settledOn
            ? p.outcome === 'ON_TIME'
              ? shanghaiInstant(p.due, '00:00')
              : endOfDay(p.settledOn)
            : null,
        })),
      ],
      tasks: tasks.map((t) => ({
        taskId: t.id,
        leadDepartment: t.leadDepartmentId,
        status: t.status as TaskStatus,
        health: t.health as Health | null,
        indicators: t.indicators.map((i) => ({
          target: i.targetValue,
          actual: i.actuals[0]?.value ?? null,
          comparator: COMPARATORS[i.comparator] ?? (i.comparator as Comparator),
        })),
      })),
      weights: settings.scoreWeights,
      assessment,
      events: [
        ...periods
          .filter((p) => p.outcome !== 'ON_TIME')
          .map((p) => ({
            kind: p.outcome === 'LATE' ? ('reportLate' as const) : ('reportMissing' as const),
            department: p.task.leadDepartmentId!,
            role: 'LEAD' as const,
            taskId: p.task.id,
          })),
        ...roundAssessmentEvents(
          period,
          tasks.map((t) => ({
            taskId: t.id,
            leadDepartment: t.leadDepartmentId,
            cooperatingDepartments: t.cooperators.map((c) => c.departmentId),
            status: t.status,
            dueDate: t.dueDate,
            closedOn: t.closedAt ? shanghaiDate(t.closedAt) : null,
            report: !owed(t) ? undefined : !t.reports[0] ? null : t.reports[0].submittedAt < dueAt ? 'onTime' : 'late',
            ordersReceived: ordersOf.get(t.id) ?? 0,
          })),
        ),
      ],
    });
    // The 通报 names the lagging items as they stood at close (frozen with the evaluation).
    const lagging = tasks
      .filter(
        (t) => (t.status === 'ASSIGNED' || t.status === 'IN_PROGRESS') && (t.health === 'YELLOW' || t.health === 'RED'),
      )
      .map((t) => ({
        taskId: t.id,
        title: t.title,
        department: t.leadDepartmentId!,
        health: t.health,
        dueDate: t.dueDate,
        progress: t.progress,
      }));
    await prisma.$transaction(async (tx) => {
      const fresh = await tx.supervisionRound.findUniqueOrThrow({ where: { id: roundId } });
      if (fresh.status === 'CLOSED') return; // a closed round never changes
      for (const d of evaluation.departments) {
        await tx.roundEvaluationRow.create({
          data: {
            roundId,
            departmentId: d.department,
            onTimeRate: d.onTimeRate ?? 0,
            onTrack: d.onTrack,
            atRisk: d.atRisk,
            overdue: d.overdue,
            completed: d.completed,
            attainment: d.indicatorAttainment ?? 0,
            score: d.score ?? 0,
            rank: d.rank,
            breakdown: JSON.stringify(d.lines),
          },
        });
      }
      await tx.supervisionRound.update({
        where: { id: roundId },
        data: { status: 'CLOSED', closedAt: new Date(), evaluation: JSON.stringify({ ...evaluation, lagging }) },
      });
    });
    return { departments: evaluation.departments.length };
  }

  return { projectTask, deliverNotice, loadCalendar, loadPlanSettings, openRound, roundProgress, closeRound };
}
