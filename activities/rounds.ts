/** Quarterly supervision rounds: opening one, who still owes a report, and closing it with its frozen evaluation. */
import type { PrismaClient } from '../prisma/client.ts';
import { assessmentRules, roundAssessmentEvents } from '../domain/assessment.ts';
import { endOfDay, shanghaiDate, shanghaiInstant } from '../domain/calendar.ts';
import { parseCadenceCode, periodsInWindow } from '../domain/cadence.ts';
import { evaluateRound, quarterFirstDay, quarterLastDay } from '../domain/rounds.ts';
import { roundResponsibility } from '../domain/responsibility.ts';
import type { Comparator, Health, TaskStatus } from '../domain/types.ts';

const COMPARATORS: Record<string, Comparator> = { GTE: '>=', LTE: '<=', EQ: '=', APPROX: '~', GT: '>', LT: '<' };

export function createRounds(prisma: PrismaClient) {
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
    const dueAt = new Date(endOfDay(round.reportDueDate));
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
    const responsibility = await responsibilityOfRound(round.planId, period);
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
        data: {
          status: 'CLOSED',
          closedAt: new Date(),
          evaluation: JSON.stringify({ ...evaluation, lagging, responsibility }),
        },
      });
    });
    return { departments: evaluation.departments.length };
  }

  /** 退单, approved 延期 and ended 挂起 of the quarter, frozen with the evaluation (department ids). */
  async function responsibilityOfRound(planId: string, period: { start: string; end: string }) {
    const from = new Date(shanghaiInstant(period.start, '00:00'));
    const to = new Date(endOfDay(period.end));
    const events = await prisma.taskEvent.findMany({
      where: {
        task: { planId },
        at: { gte: from, lte: to },
        kind: {
          in: [
            'DISPUTED',
            'DISPUTE_REASSIGNED',
            'DISPUTE_REJECTED',
            'DISPUTE_OVERDUE',
            'ACKNOWLEDGED',
            'REASSIGNED',
            'RESUMED',
          ],
        },
      },
      select: {
        taskId: true,
        kind: true,
        at: true,
        data: true,
        task: { select: { title: true, leadDepartmentId: true } },
      },
    });
    const approved = await prisma.extensionRequest.findMany({
      where: { task: { planId }, status: 'APPROVED', decidedAt: { gte: from, lte: to } },
      select: {
        taskId: true,
        currentDueDate: true,
        requestedDueDate: true,
        decidedAt: true,
        task: { select: { title: true, leadDepartmentId: true } },
      },
    });
    return roundResponsibility(
      events.map((e) => ({
        taskId: e.taskId,
        title: e.task.title,
        department: e.task.leadDepartmentId,
        kind: e.kind,
        on: shanghaiDate(e.at),
        data: JSON.parse(e.data) as Record<string, unknown>,
      })),
      approved.map((x) => ({
        taskId: x.taskId,
        title: x.task.title,
        department: x.task.leadDepartmentId,
        from: x.currentDueDate,
        to: x.requestedDueDate,
        decidedOn: shanghaiDate(x.decidedAt!),
      })),
    );
  }

  return { openRound, roundProgress, closeRound };
}
