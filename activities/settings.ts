/** What workflows read from the database: the working-day calendar (overrides) and a plan's settings. */
import type { PrismaClient } from '../prisma/client.ts';
import { DEFAULT_REPORT_DUE_WORKING_DAYS } from '../domain/types.ts';

export function createSettingsReads(prisma: PrismaClient) {
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
      reportDueWorkingDays: s.reportDueWorkingDays ?? DEFAULT_REPORT_DUE_WORKING_DAYS,
      extensionRules: s.extensionRules ?? {},
      schedule: s.schedule ?? {},
      orders: s.orders ?? {},
      responsibility: s.responsibility ?? {},
      evidence: s.evidence ?? {},
    };
  }

  return { loadCalendar, loadPlanSettings };
}
