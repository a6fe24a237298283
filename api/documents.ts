/**
 * Printable documents in the official layout (title, number, addressee,
 * body, reply requirement, issuer, date), built with the `docx` library:
 * the 督办通知书 of a 督办单, the 交办通知单 of an assigned task, and a closed
 * round's 督查通报 (with its table as .xlsx). The texts come from the
 * catalogue in ./documentText.ts; the facts from the read model and the
 * round's frozen evaluation.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import ExcelJS from 'exceljs';
import { bulletinSummary, type BulletinDepartment, type BulletinRules } from '../domain/bulletin.ts';
import { shanghaiDate } from '../domain/calendar.ts';
import { label } from '../domain/vocabulary.ts';
import type { AppServices } from './context.ts';
import { DOC } from './documentText.ts';

const BODY_FONT = { ascii: 'FangSong', eastAsia: '仿宋', hAnsi: 'FangSong' };
const TITLE_FONT = { ascii: 'SimSun', eastAsia: '方正小标宋简体', hAnsi: 'SimSun' };
/** Sizes in half-points: 二号 22 pt, 三号 16 pt. */
const TITLE_SIZE = 44;
const BODY_SIZE = 32;

const run = (text: string, o: { bold?: boolean; size?: number; color?: string; title?: boolean } = {}) =>
  new TextRun({
    text,
    bold: o.bold ?? false,
    size: o.size ?? BODY_SIZE,
    font: o.title ? TITLE_FONT : BODY_FONT,
    ...(o.color ? { color: o.color } : {}),
  });

const para = (
  text: string,
  o: {
    align?: (typeof AlignmentType)[keyof typeof AlignmentType];
    indent?: boolean;
    bold?: boolean;
    after?: number;
  } = {},
) =>
  new Paragraph({
    alignment: o.align ?? AlignmentType.JUSTIFIED,
    spacing: { line: 560, after: o.after ?? 0 },
    ...(o.indent === false ? {} : { indent: { firstLine: 640 } }),
    children: [run(text, { bold: o.bold })],
  });

/** The masthead (issuer in red), the title, the number: the head every document shares. */
function head(issuer: string, title: string, number?: string): Paragraph[] {
  return [
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { after: 200 },
      border: { bottom: { style: BorderStyle.SINGLE, size: 18, color: 'C00000', space: 8 } },
      children: [run(issuer, { size: 52, color: 'C00000', bold: true, title: true })],
    }),
    ...(number
      ? [new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 240 }, children: [run(number)] })]
      : []),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 240, after: 360 },
      children: [run(title, { size: TITLE_SIZE, title: true })],
    }),
  ];
}

/** Issuer and date at the bottom right. */
function signature(issuer: string, date: string): Paragraph[] {
  return [
    new Paragraph({ children: [] }),
    new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { line: 560 }, children: [run(issuer)] }),
    new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { line: 560 }, children: [run(DOC.date(date))] }),
  ];
}

function table(header: readonly string[], rows: (string | number)[][]): Table {
  const cell = (v: string | number, bold = false) =>
    new TableCell({
      children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [run(String(v), { size: 24, bold })] })],
    });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h) => cell(h, true)) }),
      ...rows.map((r) => new TableRow({ children: r.map((v) => cell(v)) })),
    ],
  });
}

const pack = (children: (Paragraph | Table)[]) =>
  Packer.toBuffer(
    new Document({
      creator: 'Duban 督办',
      styles: { default: { document: { run: { font: BODY_FONT, size: BODY_SIZE } } } },
      sections: [
        {
          properties: { page: { margin: { top: 2098, bottom: 1984, left: 1588, right: 1474 } } },
          children,
        },
      ],
    }),
  );

async function issuerOf(services: AppServices, planId: string): Promise<string> {
  const plan = await services.prisma.plan.findUnique({
    where: { id: planId },
    select: { issuer: true, settings: true },
  });
  const settings = plan ? (JSON.parse(plan.settings) as { orders?: { issuer?: string } }) : {};
  return settings.orders?.issuer || plan?.issuer || DOC.defaultIssuer;
}

/** 督办通知书 of one 督办单, or null when there is no such order. */
export async function orderDocument(services: AppServices, orderId: string): Promise<Buffer | null> {
  const o = await services.prisma.supervisionOrder.findUnique({
    where: { id: orderId },
    include: { task: { include: { plan: true } } },
  });
  if (!o) return null;
  const depts = await services.prisma.department.findMany({
    where: { id: { in: JSON.parse(o.departmentIds) as string[] } },
    orderBy: { sortOrder: 'asc' },
  });
  const issuer = await issuerOf(services, o.planId);
  const lastReport = o.lastReportAt ? shanghaiDate(o.lastReportAt) : null;
  return pack([
    ...head(issuer, DOC.orderTitle, o.docNumber),
    para(`${depts.map((d) => d.name).join('、') || DOC.leadDepartment}：`, { indent: false }),
    para(
      DOC.orderFacts({
        plan: o.task.plan.title,
        task: o.task.title,
        dueDate: o.dueDate,
        issuedOn: o.issuedOn,
        daysOverdue: o.daysOverdue,
        progress: o.progress,
        lastReport,
      }),
    ),
    ...(o.reason ? [para(DOC.orderReason(o.reason))] : []),
    para(DOC.orderAsk(o.kind)),
    para(DOC.orderReply(o.replyBy), { bold: true }),
    ...(o.reply ? [para(DOC.orderAnswered(o.reply))] : []),
    ...signature(issuer, o.issuedOn),
  ]);
}

/** 交办通知单 of an assigned task, or null when it is not (yet) assigned. */
export async function assignmentDocument(services: AppServices, taskId: string): Promise<Buffer | null> {
  const t = await services.prisma.task.findUnique({
    where: { id: taskId },
    include: {
      plan: true,
      leadDepartment: true,
      cooperators: { include: { department: true }, orderBy: { sortOrder: 'asc' } },
      milestones: { orderBy: { dueDate: 'asc' } },
      section: true,
    },
  });
  if (!t || !t.assignedAt || !t.leadDepartment) return null;
  const issuer = await issuerOf(services, t.planId);
  const assignedOn = shanghaiDate(t.assignedAt);
  const rows: [string, string][] = [
    [DOC.field.plan, t.plan.title],
    ...(t.section ? ([[DOC.field.section, `${t.section.numbering}${t.section.title}`]] as [string, string][]) : []),
    [DOC.field.task, t.title],
    [DOC.field.text, t.text],
    [DOC.field.lead, t.leadDepartment.name],
    [DOC.field.coop, t.cooperators.map((c) => c.department.name).join('、') || DOC.none],
    [DOC.field.due, t.dueDate ? DOC.date(t.dueDate) : (t.deadlineText ?? DOC.none)],
    [
      DOC.field.milestones,
      t.milestones.map((m) => (m.dueDate ? `${DOC.date(m.dueDate)} ${m.text}` : m.text)).join('；') || DOC.none,
    ],
    [DOC.field.assignedOn, DOC.date(assignedOn)],
  ];
  const form = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: rows.map(
      ([k, v]) =>
        new TableRow({
          children: [
            new TableCell({
              width: { size: 22, type: WidthType.PERCENTAGE },
              children: [
                new Paragraph({ alignment: AlignmentType.CENTER, children: [run(k, { size: 28, bold: true })] }),
              ],
            }),
            new TableCell({ children: [new Paragraph({ children: [run(v, { size: 28 })] })] }),
          ],
        }),
    ),
  });
  return pack([
    ...head(issuer, DOC.assignmentTitle),
    para(`${t.leadDepartment.name}：`, { indent: false }),
    para(DOC.assignmentBody(t.plan.title), { after: 200 }),
    form,
    para(DOC.assignmentAsk),
    ...signature(issuer, assignedOn),
  ]);
}

interface FrozenEvaluation {
  departments: (BulletinDepartment & { reportsDue: number })[];
  lagging?: {
    taskId: string;
    title: string;
    department: string;
    health: string;
    dueDate: string | null;
    progress: number;
  }[];
}

async function bulletinData(services: AppServices, roundId: string) {
  const round = await services.prisma.supervisionRound.findUnique({ where: { id: roundId }, include: { plan: true } });
  if (!round || round.status !== 'CLOSED' || !round.evaluation) return null;
  const ev = JSON.parse(round.evaluation) as FrozenEvaluation;
  const names = new Map(
    (await services.prisma.department.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name]),
  );
  const rules = (JSON.parse(round.plan.settings) as { bulletin?: Partial<BulletinRules> }).bulletin ?? {};
  const departments = ev.departments.filter((d) => d.tasks > 0 || d.reportsDue > 0);
  const summary = bulletinSummary(departments, rules);
  const name = (id: string) => names.get(id) ?? id;
  return { round, ev, departments, summary, name };
}

/** 督查通报 of a closed round, or null when the round is not closed. */
export async function bulletinDocument(services: AppServices, roundId: string): Promise<Buffer | null> {
  const d = await bulletinData(services, roundId);
  if (!d) return null;
  const { round, departments, summary, name, ev } = d;
  const issuer = await issuerOf(services, round.planId);
  const closedOn = round.closedAt ? shanghaiDate(round.closedAt) : shanghaiDate(Date.now());
  const lagging = ev.lagging ?? [];
  const byDept = new Map<string, typeof lagging>();
  for (const l of lagging) byDept.set(l.department, [...(byDept.get(l.department) ?? []), l]);
  return pack([
    ...head(
      issuer,
      DOC.bulletinTitle(round.plan.title, round.year, round.quarter),
      DOC.bulletinNumber(round.year, round.quarter),
    ),
    para(DOC.heading.overall, { indent: false, bold: true }),
    para(DOC.bulletinOverall(summary)),
    para(DOC.heading.departments, { indent: false, bold: true }),
    table(
      DOC.bulletinColumns,
      departments.map((x) => [
        x.rank,
        name(x.department),
        x.tasks,
        x.completed,
        x.onTrack,
        x.atRisk,
        x.overdue,
        x.reportsMissing,
        x.score ?? '—',
      ]),
    ),
    para(DOC.heading.lagging, { indent: false, bold: true }),
    ...(lagging.length
      ? [...byDept].map(([dept, items]) =>
          para(
            `${name(dept)}：${items
              .map((i) => DOC.laggingItem(i.title, label('HEALTH', i.health), i.progress, i.dueDate))
              .join('；')}。`,
          ),
        )
      : [para(DOC.noLagging)]),
    para(DOC.heading.praise, { indent: false, bold: true }),
    para(summary.praised.length ? DOC.praise(summary.praised.map(name)) : DOC.noPraise),
    para(DOC.heading.criticism, { indent: false, bold: true }),
    para(
      summary.criticised.length
        ? DOC.criticism(
            summary.criticised.map((c) => DOC.criticismItem(name(c.department), c.overdue, c.reportsMissing)),
          )
        : DOC.noCriticism,
    ),
    ...signature(issuer, closedOn),
  ]);
}

/** The 通报's table as a workbook, or null when the round is not closed. */
export async function bulletinWorkbook(services: AppServices, roundId: string): Promise<ExcelJS.Workbook | null> {
  const d = await bulletinData(services, roundId);
  if (!d) return null;
  const { round, departments, summary, name, ev } = d;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Duban 督办';
  const sheet = wb.addWorksheet(DOC.bulletinSheet);
  sheet.addRow([DOC.bulletinTitle(round.plan.title, round.year, round.quarter)]).font = { bold: true, size: 14 };
  sheet.addRow([DOC.bulletinOverall(summary)]);
  sheet.addRow([]);
  const header = sheet.addRow([...DOC.bulletinColumns]);
  header.font = { bold: true };
  for (const x of departments)
    sheet.addRow([
      x.rank,
      name(x.department),
      x.tasks,
      x.completed,
      x.onTrack,
      x.atRisk,
      x.overdue,
      x.reportsMissing,
      x.score ?? null,
    ]);
  sheet.columns.forEach((c, i) => (c.width = i === 1 ? 22 : 11));
  const lag = wb.addWorksheet(DOC.laggingSheet);
  lag.addRow([...DOC.laggingColumns]).font = { bold: true };
  for (const l of ev.lagging ?? [])
    lag
      .addRow([name(l.department), l.title, label('HEALTH', l.health), l.progress / 100, l.dueDate ?? ''])
      .getCell(4).numFmt = '0%';
  lag.columns.forEach((c, i) => (c.width = i === 1 ? 48 : 14));
  return wb;
}
