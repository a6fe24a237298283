/**
 * `duban import <file>`: read a plan document (.txt / .md / .docx), parse it,
 * and either print the result (--dry-run) or write the plan, its departments
 * and its DRAFT tasks to the database and start their workflows.
 *
 * Exit codes: 0 done; 2 the file cannot be read, is not a plan or yields no
 * task (nothing written), or the configuration is invalid; 1 anything else,
 * including a plan that was saved but whose workflows could not be started.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import {
  ImportError,
  MAX_PLAN_BYTES,
  parsePlanSource,
  readPlanDocument,
  type PlanSource,
} from '../../services/import.ts';
import type { SavedPlan } from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { COLUMN_FIELD_ZH, type ColumnField, type ParsedPlan, type ParsedTask } from '../../domain/parser/index.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import type { DubanConfig } from '../../temporal.config.ts';
import { err, errorMessage, out } from '../io.ts';

export interface ImportOptions {
  dryRun?: boolean;
  json?: boolean;
  /** commander's `--no-workflows` sets this to false. */
  workflows?: boolean;
  /** The plan title when the document has none (or to correct it). */
  title?: string;
  /** The office confirms this is a new version of a document already imported. */
  newVersion?: boolean;
  /** 1-based: which document of a compilation to read. */
  document?: string;
  /** Column meanings for a table, comma-separated, one per header cell. */
  columns?: string;
  /** The import day (YYYY-MM-DD), for tests; default today in Asia/Shanghai. */
  today?: string;
}

/** How long starting the workflows may take before the CLI gives up (ms). */
const WORKFLOW_START_TIMEOUT_MS = Number(process.env.DUBAN_CLI_WORKFLOW_TIMEOUT_MS) || 120_000;

export function register(program: Command): void {
  program
    .command('import')
    .description(
      '导入实施方案（.txt / .md / .docx / .xlsx / .csv），识别任务、责任部门、时限和指标 / Import an implementation plan',
    )
    .argument('<file>', '方案文件 / the plan document')
    .option('--dry-run', '只解析并输出结果，不写数据库 / parse and print only, write nothing')
    .option('--json', '以 JSON 输出（试运行时为解析结果）/ print JSON (the parsed plan on a dry run)')
    .option(
      '--no-workflows',
      '只写数据库，不启动任务工作流（服务启动前批量导入用）/ write only, do not start workflows; for bulk loading before the service starts',
    )
    .option('--title <title>', '方案标题（文件中未找到标题时必填）/ the plan title, required when none is found')
    .option(
      '--new-version',
      '确认这是已导入文件的新版本（否则重复导入会被拒绝）/ confirm a new version of a document already imported',
    )
    .option('--document <n>', '文件含多份文件时，导入第 n 份 / which document of a compilation to import (1-based)')
    .option(
      '--columns <fields>',
      `表格各列的含义，逗号分隔（${Object.keys(COLUMN_FIELD_ZH).join(' / ')}，留空为不用）/ column meanings of a table, comma-separated`,
    )
    .option('--today <date>', '导入日（YYYY-MM-DD，默认今天）/ the import day, default today (Asia/Shanghai)')
    .addHelpText(
      'after',
      [
        '',
        '退出码 / exit codes: 0 成功 / done; 2 文件无法读取、不是方案或没有任务（未写入任何数据）/ unreadable file, not a plan',
        '  or no task (nothing written); 1 其他错误（如工作流启动失败）/ other errors (e.g. workflows failed to start).',
        '数据库位置取自 DATA_DIR / DATABASE_URL / The database comes from DATA_DIR / DATABASE_URL.',
      ].join('\n'),
    )
    .action(async (file: string, opts: ImportOptions) => {
      process.exitCode = await runImport(file, opts);
    });
}

function columnsOf(spec: string): (ColumnField | null)[] {
  return spec.split(',').map((f) => {
    const v = f.trim();
    if (!v) return null;
    if (!(v in COLUMN_FIELD_ZH))
      throw new ImportError(
        `未知的列含义：${v}（可用：${Object.keys(COLUMN_FIELD_ZH).join('、')}）`,
        `Unknown column field: ${v}`,
        'BAD_CORRECTION',
      );
    return v as ColumnField;
  });
}

/** Read and parse; throws ImportError for anything that is not an importable plan. */
export async function loadPlanFile(
  file: string,
  opts: ImportOptions = {},
): Promise<{ parsed: ParsedPlan; source: PlanSource }> {
  const fileName = path.basename(file);
  let bytes: Buffer;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory())
      throw new ImportError(`这是一个目录，不是文件：${file}`, `This is a directory, not a file: ${file}`);
    if (stat.size > MAX_PLAN_BYTES) throw new ImportError('文件超过 10 MB 上限。', 'The file exceeds the 10 MB limit.');
    bytes = await fs.readFile(file);
  } catch (e) {
    if (e instanceof ImportError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImportError(`找不到文件：${file}`, `File not found: ${file}`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new ImportError(`无权读取文件：${file}`, `Permission denied: ${file}`);
    throw new ImportError(`无法读取文件：${file}`, `Cannot read ${file}: ${(e as Error).message}`);
  }
  const source = await readPlanDocument(bytes, fileName);
  const doc = opts.document ? Number(opts.document) - 1 : undefined;
  if (doc !== undefined && !(Number.isInteger(doc) && doc >= 0))
    throw new ImportError(`--document 应为正整数：${opts.document}`, `--document must be a positive integer`);
  const parsed = parsePlanSource(source, fileName, {
    today: opts.today ?? shanghaiDate(new Date()),
    ...(doc !== undefined ? { documentIndex: doc } : {}),
    ...(opts.columns ? { columns: columnsOf(opts.columns) } : {}),
  });
  if (opts.title?.trim()) parsed.title = opts.title.trim();
  return { parsed, source };
}

export async function runImport(file: string, opts: ImportOptions): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadPlanFile>>;
  try {
    loaded = await loadPlanFile(file, opts);
  } catch (e) {
    if (e instanceof ImportError) {
      await errorMessage(e.zh, e.en);
      await err('未导入任何内容。 / Nothing was imported.');
      return 2;
    }
    throw e;
  }
  const { parsed, source } = loaded;

  if (opts.dryRun) {
    await out(opts.json ? JSON.stringify(parsed, null, 2) : describeParsed(parsed));
    return 0;
  }
  if (!parsed.title?.trim()) {
    await errorMessage(
      '未能从文件中找到方案标题，请用 --title 指定方案标题。',
      'The plan title was not found; give it with --title.',
    );
    await err('未导入任何内容。 / Nothing was imported.');
    return 2;
  }
  return writePlan(parsed, source, opts);
}

const unassigned = (plan: ParsedPlan): ParsedTask[] => plan.tasks.filter((t) => t.lead.length === 0);
const pathOf = (t: ParsedTask): string => t.path.join(' › ') || t.title;

/** Human-readable summary of a dry run (Chinese, then English). */
function describeParsed(plan: ParsedPlan): string {
  const title = plan.title ?? '（无标题 / untitled）';
  const lines = [
    `方案 / Plan: ${title}`,
    `发文单位 / Issuer: ${plan.issuer ?? '—'}    文号 / Document number: ${plan.doc_number ?? '—'}    成文日期 / Issued: ${plan.issued_on ?? '—'}`,
    `部门 / Departments (${plan.departments.length}): ${plan.departments.join('、') || '—'}`,
    `任务 / Tasks: ${plan.tasks.length}`,
  ];
  for (const t of plan.tasks) {
    const lead = t.lead[0] ?? '⚠ 未指定牵头单位 / no lead department';
    const coop = t.cooperating.length ? `；配合 / with: ${t.cooperating.join('、')}` : '';
    const due = t.deadlines.filter((d) => d.date).map((d) => (d.past ? `${d.date}（已过期 / past）` : d.date));
    lines.push(`  - ${pathOf(t)}`);
    lines.push(`      牵头 / lead: ${lead}${coop}${due.length ? `；时限 / due: ${due.join(', ')}` : ''}`);
  }
  if (plan.columns) {
    const cols = plan.columns.header.map(
      (h, i) => `${h}→${plan.columns!.fields[i] ? COLUMN_FIELD_ZH[plan.columns!.fields[i]!] : '未识别'}`,
    );
    lines.push(`表格列 / Columns (${plan.columns.role === 'APPENDIX' ? '附件分工表' : '任务表'}): ${cols.join('，')}`);
  }
  const notes = plan.warnings.filter((w) => w.code !== 'UNASSIGNED_TASK');
  if (notes.length) {
    lines.push('解析提示 / Notes:');
    for (const w of notes) lines.push(`  ! ${w.message}${w.messageEn ? ` / ${w.messageEn}` : ''}`);
  }
  const missing = unassigned(plan);
  if (missing.length) {
    lines.push(`${missing.length} 项任务未写明责任部门，导入后需办公室指派。`);
    lines.push(`${missing.length} task(s) name no department; the office must assign them after import.`);
  }
  lines.push('试运行：未写入数据库。 / Dry run: nothing was written.');
  return lines.join('\n');
}

async function writePlan(parsed: ParsedPlan, source: PlanSource, opts: ImportOptions): Promise<number> {
  // Loaded lazily: a dry run needs neither Prisma nor Temporal.
  const { loadConfig } = await import('../../temporal.config.ts');
  let config: DubanConfig;
  try {
    config = loadConfig();
  } catch (e) {
    await errorMessage(`配置无效：${(e as Error).message}`, `Invalid configuration: ${(e as Error).message}`);
    return 2;
  }
  const { createPrisma, prepareDatabase } = await import('../../prisma/client.ts');
  const { savePlan, startPlanWorkflows } = await import('../../services/plans.ts');

  try {
    await prepareDatabase(config.databaseUrl);
  } catch (e) {
    const message = (e as Error).message;
    await errorMessage(
      `无法打开数据库 ${config.databaseUrl}：${message}`,
      `Cannot open the database ${config.databaseUrl}: ${message}`,
    );
    return 1;
  }
  const prisma = createPrisma(config.databaseUrl);
  let saved: SavedPlan;
  try {
    saved = await savePlan(prisma, parsed, source, { newVersion: opts.newVersion === true });
  } catch (e) {
    await prisma.$disconnect();
    if (e instanceof ImportError) {
      await errorMessage(e.zh, e.en);
      if (e.code === 'DUPLICATE_PLAN')
        await err(
          '如确为新版本，请加 --new-version 重新导入。 / If it is a new version, run again with --new-version.',
        );
      await err('未导入任何内容。 / Nothing was imported.');
      return 2;
    }
    await errorMessage(
      `写入数据库失败，未导入任何内容：${(e as Error).message}`,
      `Saving failed, nothing was imported: ${(e as Error).message}`,
    );
    return 1;
  }

  let workflows: 'started' | 'skipped' | 'failed' = 'skipped';
  let workflowError: string | undefined;
  if (opts.workflows !== false) {
    try {
      await startWorkflows(config, prisma, saved, parsed.title!, startPlanWorkflows);
      workflows = 'started';
    } catch (e) {
      workflows = 'failed';
      workflowError = (e as Error).message;
    }
  }
  await prisma.$disconnect();

  const summary = {
    planId: saved.planId,
    title: parsed.title,
    ...(saved.supersedesId ? { supersedesId: saved.supersedesId } : {}),
    database: config.databaseUrl,
    tasks: saved.tasks.length,
    departments: parsed.departments.length,
    departmentsCreated: saved.departmentsCreated,
    unassignedTasks: unassigned(parsed).map((t) => t.path),
    workflows,
    ...(workflowError ? { workflowError } : {}),
  };
  await out(opts.json ? JSON.stringify(summary, null, 2) : describeSaved(summary));
  if (workflows === 'failed') {
    await errorMessage(
      `方案已写入数据库（方案 ID ${saved.planId}），但任务工作流启动失败：${workflowError}`,
      `The plan was saved (plan id ${saved.planId}) but its workflows could not be started: ${workflowError}`,
    );
    await err(
      '任务保持 DRAFT 状态，部分或全部任务尚无工作流；请检查 Temporal 引擎（TEMPORAL_ADDRESS / ENGINE_PORT）。\n' +
        'The tasks stay DRAFT and some or all have no workflow yet; check the Temporal engine (TEMPORAL_ADDRESS / ENGINE_PORT).',
    );
    return 1;
  }
  return 0;
}

async function startWorkflows(
  config: DubanConfig,
  prisma: PrismaClient,
  saved: SavedPlan,
  title: string,
  startPlanWorkflows: typeof import('../../services/plans.ts').startPlanWorkflows,
): Promise<void> {
  const { connectTemporal } = await import('../../runtime/temporal.ts');
  const log = (line: string) => void err(`[duban] ${line}`);
  let effective = config;
  const port = config.temporal.engine.port;
  // `npm start` may already run the embedded engine on its port (and owns its
  // data file): use it rather than starting a second one.
  if (!config.temporal.address && port && (await listening('127.0.0.1', port))) {
    effective = { ...config, temporal: { ...config.temporal, address: `127.0.0.1:${port}` } };
    log(`使用已运行的引擎 / Using the running engine at 127.0.0.1:${port}`);
  }
  const temporal = await connectTemporal(effective, log);
  try {
    // Bounded, so a stalled engine cannot hang the CLI; the engine is stopped either way.
    await withTimeout(
      startPlanWorkflows(temporal.client, prisma, config.temporal.taskQueue, saved, title),
      WORKFLOW_START_TIMEOUT_MS,
    );
  } finally {
    await temporal.stop();
  }
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, host, () => {
      sock.end();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface SaveSummary {
  planId: string;
  title: string | null;
  database: string;
  tasks: number;
  departments: number;
  departmentsCreated: string[];
  unassignedTasks: string[][];
  workflows: 'started' | 'skipped' | 'failed';
}

/** The summary after a real import: Chinese first, English second. */
function describeSaved(s: SaveSummary): string {
  const title = s.title ?? '';
  const created = s.departmentsCreated.length ? `：${s.departmentsCreated.join('、')}` : '';
  const unassignedLines = s.unassignedTasks.map((p) => `    - ${p.join(' › ')}`);
  const zh = [
    `已导入方案《${title}》`,
    `  方案 ID：${s.planId}`,
    `  任务：${s.tasks} 项（状态 DRAFT，待交办）`,
    `  新建部门：${s.departmentsCreated.length} 个${created}`,
    s.unassignedTasks.length
      ? `  未写明责任部门的任务：${s.unassignedTasks.length} 项，已标记为待办公室指派：`
      : '  所有任务均已识别牵头单位。',
    ...(s.unassignedTasks.length ? unassignedLines : []),
    {
      started: `  已启动 ${s.tasks} 个任务工作流和 1 个方案督查工作流。`,
      skipped: '  未启动工作流（--no-workflows）：已写入数据库，下次 npm start 时自动启动。',
      failed: '  工作流启动失败，见下方错误信息。',
    }[s.workflows],
  ];
  const en = [
    `Imported plan "${title}"`,
    `  Plan id: ${s.planId}`,
    `  Tasks: ${s.tasks} (status DRAFT, to be assigned)`,
    `  Departments created: ${s.departmentsCreated.length}${s.departmentsCreated.length ? `: ${s.departmentsCreated.join(', ')}` : ''}`,
    s.unassignedTasks.length
      ? `  Tasks naming no department: ${s.unassignedTasks.length} (listed above), flagged for the office to assign.`
      : '  Every task has a lead department.',
    {
      started: `  Started ${s.tasks} task workflows and 1 plan supervision workflow.`,
      skipped: '  Workflows not started (--no-workflows): written to the database; the next npm start starts them.',
      failed: '  Starting the workflows failed; see the error below.',
    }[s.workflows],
    `  Database: ${s.database}`,
  ];
  return [...zh, ...en].join('\n');
}
