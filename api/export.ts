/**
 * Excel exports: the 台账 (ledger) a committee office keeps, and a round's
 * evaluation. Same authorization as the API (session cookie or bearer token);
 * department staff get only their own tasks in the ledger.
 */
import { taskScope } from './access.ts';
import { reportActingLabels } from './delegation.ts';
import ExcelJS from 'exceljs';
import type { Prisma } from '../generated/prisma/client.ts';
import type { AppServices, SessionUser } from './context.ts';
import { label, taskLight } from '../domain/vocabulary.ts';

/** Cell colours of the lights (the labels come from the one vocabulary, domain/vocabulary.ts). */
const HEALTH_FILL: Record<string, string> = {
  GREEN: 'FFC6EFCE',
  YELLOW: 'FFFFEB9C',
  RED: 'FFFFC7CE',
  BLUE: 'FFBDD7EE',
};

function styleHeader(sheet: ExcelJS.Worksheet, columns: number): void {
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  header.height = 24;
  for (let c = 1; c <= columns; c++) {
    header.getCell(c).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
  }
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns } };
}

export async function ledgerWorkbook(
  services: AppServices,
  user: SessionUser,
  planId: string | null,
): Promise<ExcelJS.Workbook> {
  const where: Prisma.TaskWhereInput = { AND: [planId ? { planId } : {}, taskScope({ user })] };
  const tasks = await services.prisma.task.findMany({
    where,
    orderBy: [{ planId: 'asc' }, { sortOrder: 'asc' }],
    include: {
      section: true,
      leadDepartment: true,
      cooperators: { include: { department: true }, orderBy: { sortOrder: 'asc' } },
      reports: { where: { kind: 'REPORT' }, orderBy: { submittedAt: 'desc' }, take: 1 },
      _count: { select: { notices: true } },
    },
  });
  // 代理: a latest report submitted for a colleague says so ("王五 代 张三").
  const acting = await reportActingLabels(
    services.prisma,
    tasks.flatMap((t) => (t.reports[0] ? [t.reports[0]] : [])),
  );
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Duban 督办';
  const sheet = wb.addWorksheet('任务台账');
  sheet.columns = [
    { header: '序号', key: 'n', width: 6 },
    { header: '任务', key: 'task', width: 48 },
    { header: '牵头单位', key: 'lead', width: 16 },
    { header: '配合单位', key: 'coop', width: 30 },
    { header: '完成时限', key: 'due', width: 12 },
    { header: '当前状态', key: 'status', width: 10 },
    { header: '红黄绿灯', key: 'health', width: 10 },
    { header: '进度', key: 'progress', width: 8 },
    { header: '最新进展', key: 'latest', width: 48 },
    { header: '督办次数', key: 'notices', width: 10 },
    { header: '备注', key: 'note', width: 24 },
  ];
  for (const [i, t] of tasks.entries()) {
    const light = taskLight(t);
    const row = sheet.addRow({
      n: i + 1,
      task: t.section ? `【${t.section.numbering}${t.section.title}】${t.title}` : t.title,
      lead: t.leadDepartment?.name ?? '（未明确）',
      coop: t.cooperators.map((c) => c.department.name).join('、'),
      due: t.dueDate ?? '',
      status: label('TASK_STATUS', t.status),
      health: light === 'NONE' ? '' : label('HEALTH', light),
      progress: t.progress / 100,
      latest: latestOf(t.reports[0], acting),
      notices: t._count.notices,
      note: [
        t.cancelReason,
        t.needsAssignment ? '方案未明确责任单位' : null,
        t.escalationLevel ? `督办等级 ${t.escalationLevel}` : null,
      ]
        .filter(Boolean)
        .join('；'),
    });
    row.alignment = { vertical: 'top', wrapText: true };
    row.getCell('progress').numFmt = '0%';
    const fill = HEALTH_FILL[light];
    if (fill) row.getCell('health').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: fill } };
  }
  styleHeader(sheet, 11);
  return wb;
}

/** The latest report's text, and who submitted it for whom when someone acted for a colleague. */
function latestOf(
  r: { taskId: string; submittedAt: Date; narrative: string } | undefined,
  acting: Map<string, string>,
): string {
  if (!r) return '';
  const by = acting.get(`${r.taskId}@${r.submittedAt.getTime()}`);
  return by ? `${r.narrative}（${by} 报送）` : r.narrative;
}

export async function roundWorkbook(services: AppServices, roundId: string): Promise<ExcelJS.Workbook | null> {
  const round = await services.prisma.supervisionRound.findUnique({
    where: { id: roundId },
    include: { plan: true, rows: { include: { department: true }, orderBy: { rank: 'asc' } } },
  });
  if (!round) return null;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Duban 督办';
  const sheet = wb.addWorksheet(`${round.year}年第${round.quarter}季度评估`);
  sheet.columns = [
    { header: '排名', key: 'rank', width: 6 },
    { header: '单位', key: 'dept', width: 20 },
    { header: '综合得分', key: 'score', width: 10 },
    { header: '按时报送率', key: 'onTime', width: 12 },
    { header: '正常推进', key: 'onTrack', width: 10 },
    { header: '存在风险', key: 'atRisk', width: 10 },
    { header: '逾期', key: 'overdue', width: 8 },
    { header: '已办结', key: 'completed', width: 8 },
    { header: '指标完成度', key: 'attainment', width: 12 },
  ];
  for (const r of round.rows) {
    const row = sheet.addRow({
      rank: r.rank,
      dept: r.department.name,
      score: r.score,
      onTime: r.onTimeRate,
      onTrack: r.onTrack,
      atRisk: r.atRisk,
      overdue: r.overdue,
      completed: r.completed,
      attainment: r.attainment,
    });
    row.getCell('onTime').numFmt = '0%';
    row.getCell('attainment').numFmt = '0%';
  }
  styleHeader(sheet, 9);
  sheet.addRow([]);
  sheet.addRow([
    `${round.plan.title}  （${label('ROUND_STATUS', round.status)}${round.status === 'CLOSED' ? '，结果固定' : '，结果为临时数据'}）`,
  ]);
  return wb;
}
