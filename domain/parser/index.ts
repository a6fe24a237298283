// Plan importer: the published text of an implementation plan (实施方案) →
// tasks with lead/cooperating departments, deadlines, targets, recurrence.
// Text only; reading .docx/.xlsx/.csv happens in services/import.ts (mammoth,
// exceljs); tables arrive as blocks (table.ts: task tables, 台账, 附件分工表).
//
// Structure (structure.ts). Headings nest 一、 > (一) > 1. > (1) (any bracket width). Items
// numbered (1)…(n) or 1.…n. inside running paragraphs, several per paragraph
// and possibly straight through sections, are split out (splitInline). Tasks
// are the leaves of the plan's sections, except:
//   - goal and principle sections (总体要求, 主要目标, 基本原则 …, or any section
//     whose content is goals/principles and names no one) hold no tasks; their
//     dated goals become plan targets;
//   - in safeguard sections (组织保障, 保障措施, 工作要求 …) a leaf is a task
//     only when it names a responsible department;
//   - a section without sub-headings is a task only when it names one.
// Everything after 附件 is an annex (member lists), not body text. A file
// holding several documents (a compilation) is split; the one read is said.
// Metadata (title, issuer, 文号, date): metadata.ts.
//
// Responsibility: see responsibility.ts, plus what plans write once for all:
// "列在首位的为牵头单位" / "排在第一位的为牵头部门，下同" (first listed leads),
// "以下任务均需各区市政府落实" (added to every task as cooperating), "以上任务由
// X牵头，Y配合" after a group of items. Generic bodies of the narrative (县级
// 医院要…) are never responsible. A task naming no department stays
// unassigned (lead []) with a warning: the importer never invents one.
//
// Dates: deadlines.ts; month-only phases take the year before them, 年内 the
// plan's year; with options.today, dates before it are flagged `past`.
// Every task carries `evidence`: the span each field was read from, and why.
// Warnings are Chinese (message) with English second (messageEn).

import { cadenceCode, findReportCadence } from '../cadence';
import { findDeadlines, findRecurrences, findRelativeDeadlines, halfWidthDigits } from './deadlines';
import {
  annexDepartments,
  findDocNumber,
  findIssuedOn,
  findIssuers,
  findTitle,
  metadataWarnings,
  splitDocuments,
} from './metadata';
import {
  FIRST_IS_LEAD_RE,
  findResponsibility,
  isDepartmentName,
  splitDepartments,
  type Responsibility,
} from './responsibility';
import {
  ANNEX_RE,
  SAFEGUARD_RE,
  buildTree,
  cleanLines,
  contentOf,
  descendants,
  headingOf,
  isGoalSection,
  leaves,
  pathOf,
  splitInline,
  splitRunIn,
  type InlineCounters,
  type Node,
} from './structure';
import { sentences, targetsInClause, targetsInSentence } from './targets';
import { dedupeDeadlines, finishTasks, taskTargets } from './tasks';
import type { Evidence, ParsedPlan, ParsedTarget, ParsedTask, ParseOptions, ParseWarning } from './types';

export * from './types';
export { findDeadlines, findRelativeDeadlines, findRecurrences, halfWidthDigits, parseNumeral } from './deadlines';
export {
  findResponsibility,
  findAnnotation,
  findInTextResponsibility,
  parseAnnotation,
  splitDepartments,
  bracketGroups,
} from './responsibility';
export { targetsInClause, targetsInSentence, tidyClause, metricOf } from './targets';
export { parseDocument, mapColumns, findHeader, COLUMN_FIELD_ZH, type Block, type DocumentOptions } from './table';

/**
 * How far a qualitative goal reaches past its first clause (within the sentence):
 * a first clause that only says "carry on building X" (…建设) has no checkable
 * outcome, so the next clause belongs to it; clauses stating a state change
 * (更加, 进一步, 显著, 明显) continue the same goal.
 */
function extendGoal(rest: string, firstEnd: number): number {
  let end = firstEnd;
  let prev = rest.slice(0, firstEnd);
  for (let first = true; ; first = false) {
    if (!/^[，,]/.test(rest.slice(end))) return end;
    const next = rest.slice(end + 1);
    const stop = next.search(/[，,。；;]/);
    const clause = stop < 0 ? next : next.slice(0, stop);
    const continues = (first && /建设$/.test(prev)) || /更加|进一步|显著|明显/.test(clause);
    if (!continues || targetsInClause(clause).length) return end;
    end += 1 + clause.length;
    prev = clause;
  }
}

/**
 * Dated goals of preamble paragraphs: each date phrase starts a goal; a goal
 * whose first clause carries no number is qualitative (value null). Numeric
 * targets after a date phrase in the same paragraph take that date.
 */
function preambleTargets(paragraph: string): ParsedTarget[] {
  const ds = findDeadlines(paragraph);
  if (!ds.length) return [];
  const found: Array<{ at: number; t: ParsedTarget }> = [];
  for (const d of ds) {
    let from = d.end;
    if (/[，,：:]/.test(paragraph[from] ?? '')) from++;
    const rest = paragraph.slice(from);
    const stop = rest.search(/[，,。；;]/);
    const clause = stop < 0 ? rest : rest.slice(0, stop);
    if (!clause.trim() || targetsInClause(clause).length) continue;
    const goalEnd = from + extendGoal(rest, clause.length);
    found.push({
      at: d.index,
      t: {
        text: paragraph.slice(d.index, goalEnd),
        metric: `${clause.trim()}(定性)`,
        value: null,
        unit: null,
        comparator: null,
        date: d.date!,
      },
    });
  }
  const start = ds[0].index;
  for (const s of sentences(paragraph)) {
    const sEnd = s.start + s.text.length;
    if (sEnd <= start) continue;
    const scoped = ds.filter((d) => d.index < sEnd);
    const date = scoped[scoped.length - 1]?.date ?? null;
    // Only the part of the sentence after the first date phrase.
    const offset = Math.max(0, start - s.start);
    const body = s.text.slice(offset);
    const base = s.start + offset;
    targetsInSentence(body, { date }).forEach((t, i) => {
      const at = paragraph.indexOf(t.text, base);
      found.push({ at: at >= 0 ? at : base + i / 100, t });
    });
  }
  found.sort((a, b) => a.at - b.at);
  return found.map((f) => f.t);
}

// ------------------------------------------------------------------- parsePlan

/** "以下任务均需各区市政府落实，不再一一列出": a body implied for every task that follows. */
const IMPLICIT_OWNER_RE =
  /(?:以下|下列|各项|所有|本方案)(?:各项)?(?:任务|工作)(?:均需|均由|都需|均要|均应|需)(?:由)?([^，,。；;]{2,20}?)(?:负责落实|抓好落实|落实|负责|参与|配合)/;
/** "以上任务由市医保局牵头，市卫健委配合。": responsibility written once after a group of tasks. */
const TRAILING_RE =
  /(?:以上|上述)(?:[0-9０-９一二三四五六七八九十]+项)?(?:各项)?(?:任务|工作|事项)(?:均)?由([^，,。；;]+?)(?:牵头负责|牵头|负责)(?:[，,]\s*([^。；;]+?)(?:配合|参与|协同|协助))?[。；;]?\s*$/;

interface TrailingResp {
  lead: string[];
  cooperating: string[];
  span: string;
}

function trailingResponsibility(text: string): { text: string; resp: TrailingResp } | null {
  const m = TRAILING_RE.exec(text);
  if (!m) return null;
  const leads = splitDepartments(m[1]);
  if (!leads.length || !leads.every(isDepartmentName)) return null;
  const coop = m[2] ? splitDepartments(m[2]).filter(isDepartmentName) : [];
  return {
    text: text.slice(0, m.index).trim(),
    resp: { lead: [leads[0]], cooperating: [...leads.slice(1), ...coop], span: m[0].trim() },
  };
}

/** Parse one document's lines. */
function parseLines(all: string[], options: ParseOptions): ParsedPlan {
  let start = all.findIndex((l) => /^一、/.test(l));
  const firstHeading = all.findIndex((l) => headingOf(l) !== null && !/[:：]/.test(l.slice(0, 6)));
  if (start < 0 || (firstHeading >= 0 && firstHeading < start && /^[（(]一[)）]/.test(all[firstHeading])))
    start = firstHeading;
  if (start < 0) start = all.length;
  let end = all.findIndex((l, i) => i > start && ANNEX_RE.test(l));
  if (end < 0) end = all.length;
  const header = all.slice(0, start);
  const body = all.slice(start, end);
  const annex = all.slice(end);

  const warnings: ParseWarning[] = [];
  const tasks: ParsedTask[] = [];
  const planTargets: ParsedTarget[] = [];

  const title = findTitle(header);
  const issuedOn = findIssuedOn(header);
  const yearInTitle = title ? /((?:19|20)\d{2})年/.exec(halfWidthDigits(title))?.[1] : undefined;
  const planYear = issuedOn ? Number(issuedOn.slice(0, 4)) : yearInTitle ? Number(yearInTitle) : null;
  const dctx = { planYear };

  // Conventions written once for the whole plan.
  const wholeText = [...header, ...body].join('\n');
  const firstIsLead = FIRST_IS_LEAD_RE.exec(wholeText);
  if (firstIsLead) {
    warnings.push({
      code: 'RESPONSIBILITY_CONVENTION',
      message: `方案写明“${firstIsLead[0].replace(/^[，,；;、\s]+/, '')}”：各任务所列单位中首位为牵头单位，其余为配合单位。`,
      messageEn: 'The plan says the first unit listed leads; the others cooperate.',
    });
  }
  const implicit = IMPLICIT_OWNER_RE.exec(wholeText);
  const implicitOwners = implicit ? splitDepartments(implicit[1]).filter(isDepartmentName) : [];
  if (implicitOwners.length) {
    warnings.push({
      code: 'IMPLICIT_OWNER',
      message: `方案写明“${implicit![0]}”：已将${implicitOwners.join('、')}列为每项任务的配合单位。`,
      messageEn: `The plan names ${implicitOwners.join(', ')} for every task; added as cooperating.`,
    });
  }

  const tree = buildTree(body);
  const counters: InlineCounters = { paren: 0, dot: 0 };
  for (const section of tree.children) splitInline(section, counters);

  // Trailing "以上任务由X牵头": strip it from the text; it applies to the tasks of its node.
  const trailing = new Map<Node, TrailingResp>();
  const walkTrailing = (n: Node) => {
    n.children.forEach(walkTrailing);
    const lastChild = n.children.at(-1);
    if (lastChild && lastChild.inline && lastChild.lines.length) {
      const t = trailingResponsibility(lastChild.lines[lastChild.lines.length - 1]);
      if (t) {
        lastChild.lines[lastChild.lines.length - 1] = t.text;
        lastChild.title = splitRunIn(lastChild.lines.join('\n')).title;
        trailing.set(n, t.resp);
        return;
      }
    }
    for (let k = n.lines.length - 1; k >= 0 && n.children.length; k--) {
      const t = trailingResponsibility(n.lines[k]);
      if (t) {
        n.lines[k] = t.text;
        trailing.set(n, t.resp);
        return;
      }
    }
  };
  walkTrailing(tree);

  // Annotated leaves: a section holding one is not a goal section. Subjects of
  // duties in the text count (市财政局要…), generic bodies (县级医院要…) never do.
  const allLeaves = tree.children.flatMap(leaves);
  const respOf = new Map<Node, Responsibility>();
  for (const l of allLeaves) respOf.set(l, findResponsibility(contentOf(l)));
  const annotated = (n: Node) => respOf.get(n)?.source === 'ANNOTATION';

  const trailingOf = (n: Node): TrailingResp | undefined => {
    for (let p: Node | null = n; p; p = p.parent) if (trailing.has(p)) return trailing.get(p);
    return undefined;
  };

  for (const section of tree.children) {
    if (isGoalSection(section, annotated)) {
      for (const n of [section, ...descendants(section)])
        for (const p of n.lines) planTargets.push(...preambleTargets(p));
      continue;
    }
    const safeguard = SAFEGUARD_RE.test(section.title);
    for (const leaf of leaves(section)) {
      const content = contentOf(leaf);
      const evidence: Evidence[] = [];
      let resp: Omit<Responsibility, 'source'> & { source: NonNullable<ParsedTask['responsibility_source']> } =
        respOf.get(leaf) ?? findResponsibility(content);
      const tr = trailingOf(leaf);
      if (resp.source === 'NONE' && tr) {
        resp = { lead: tr.lead, cooperating: tr.cooperating, source: 'CONVENTION', span: tr.span };
      }
      const named = resp.lead.length > 0 || resp.cooperating.length > 0;
      if ((safeguard || leaf === section) && !named) continue;
      if (!content.trim()) continue;
      const lead = [...resp.lead];
      const cooperating = [...resp.cooperating];
      for (const o of implicitOwners) if (!lead.includes(o) && !cooperating.includes(o)) cooperating.push(o);

      evidence.push({
        field: 'task',
        text: leaf.inline || leaf.level === 4 ? `${leaf.label}${content.slice(0, 40)}` : leaf.label,
        reason: leaf.inline
          ? `段落中的编号条目 ${leaf.label}，作为一项任务`
          : `${leaf.level === 4 ? '编号条目' : '末级标题'}，作为一项任务`,
      });
      if (resp.span) {
        const reason = {
          ANNOTATION: firstIsLead
            ? '括号内标注的责任单位；按方案“列在首位的为牵头单位”，首位为牵头、其余为配合'
            : '括号内标注的责任单位：首位（或“牵头”）为牵头单位，其余为配合单位',
          IN_TEXT: '句中承担任务的单位（主语），首位为牵头单位',
          CONVENTION: '段末写明“以上任务由……牵头”，适用于本段各项任务',
          NONE: '',
          TABLE: '',
          APPENDIX: '',
        }[resp.source];
        evidence.push({ field: 'lead', text: resp.span, reason });
      }
      if (implicitOwners.length)
        evidence.push({ field: 'cooperating', text: implicit![0], reason: '方案统一写明的落实单位，列为配合单位' });

      const found = findDeadlines(content, dctx);
      const deadlines = dedupeDeadlines(
        found.map(({ text: t, date, inferred }) => ({ text: t, date, ...(inferred ? { inferred } : {}) })),
      );
      for (const d of deadlines)
        evidence.push({
          field: 'deadline',
          text: d.text,
          reason:
            d.inferred === 'YEAR_FROM_CONTEXT'
              ? `分阶段时限，年份沿用上文（${d.date!.slice(0, 4)}年）`
              : d.inferred === 'PLAN_YEAR'
                ? `按方案年度（${planYear}年）理解`
                : '文中的时限短语，取该期限的最后一天',
        });
      const recurrences = findRecurrences(content).filter((r) => r !== 'weekly');
      const task: ParsedTask = {
        path: pathOf(leaf),
        title: leaf.title,
        lead: lead.slice(0, 1),
        cooperating: [...lead.slice(1), ...cooperating],
        deadlines,
        targets: taskTargets(content, dctx),
        recurrence: (recurrences[0] as ParsedTask['recurrence']) ?? null,
        responsibility_source: resp.source,
      };
      for (const t of task.targets)
        evidence.push({
          field: 'target',
          text: t.text,
          reason: t.implicit
            ? '“全覆盖 / 覆盖全部”等表述，按 100% 计'
            : t.change
              ? '百分点为变化量，不是水平值'
              : '量化指标',
        });
      if (task.recurrence)
        evidence.push({ field: 'recurrence', text: task.recurrence, reason: '文中写明的周期（每月/每季度/每年）' });
      const rel = findRelativeDeadlines(content, { baseDate: options.baseDate, calendar: options.calendar });
      if (rel.length) task.relative_deadlines = rel;
      const cadence = findReportCadence(content);
      if (cadence) {
        task.report_cadence = cadenceCode(cadence)!;
        evidence.push({ field: 'report_cadence', text: task.report_cadence, reason: '文中写明的报送频次' });
      }
      task.evidence = evidence;
      if (options.includeBody) task.body = content;
      tasks.push(task);
    }
  }
  finishTasks(tasks, warnings, options);

  // Roster: departments as they appear in tasks, then annex members not seen.
  const departments: string[] = [];
  const add = (d: string) => {
    if (!departments.includes(d)) departments.push(d);
  };
  for (const t of tasks) [...t.lead, ...t.cooperating].forEach(add);
  for (const l of annex) if (!/名单|方案|通知/.test(l)) annexDepartments(l).forEach(add);

  const { issuer, co } = findIssuers(header);
  const plan: ParsedPlan = {
    ...(options.docName ? { doc: options.docName } : {}),
    title,
    issuer,
    ...(co.length ? { co_issuers: co } : {}),
    doc_number: findDocNumber(header),
    issued_on: issuedOn,
    departments,
    tasks,
    plan_targets: planTargets,
    warnings,
  };
  metadataWarnings(plan);
  return plan;
}

export function parsePlan(text: string, options: ParseOptions = {}): ParsedPlan {
  const all = cleanLines(text);
  const ranges = splitDocuments(all);
  if (ranges.length === 1) return parseLines(all, options);
  const plans = ranges.map(([a, b]) => parseLines(all.slice(a, b), options));
  let pick = options.documentIndex ?? -1;
  if (pick < 0 || pick >= plans.length)
    pick = plans.reduce((best, p, i) => (p.tasks.length > plans[best].tasks.length ? i : best), 0);
  const plan = plans[pick];
  plan.documents = plans.map((p, index) => ({
    index,
    title: p.title,
    doc_number: p.doc_number,
    tasks: p.tasks.length,
  }));
  plan.document = pick;
  const others = plans
    .filter((_, i) => i !== pick)
    .map((p) => `《${p.title ?? '无标题'}》（${p.tasks.length} 项任务）`);
  plan.warnings.unshift({
    code: 'MULTIPLE_DOCUMENTS',
    message: `文件包含 ${plans.length} 份文件，已读取第 ${pick + 1} 份《${plan.title ?? '无标题'}》（${plan.tasks.length} 项任务）；另有 ${others.join('、')}。如需导入其他文件，请在预览中选择。`,
    messageEn: `The file holds ${plans.length} documents; document ${pick + 1} was read. Choose another in the preview if needed.`,
  });
  return plan;
}
