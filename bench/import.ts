/**
 * Importer benchmark (`npm run bench -- import`):
 *   - parse time of each seed document (median of BENCH_RUNS runs, default 20);
 *   - parse time of a synthetic 1,000-task plan, built by repeating the task
 *     sections of a seed under new, uniquely numbered top-level sections;
 *   - time to write that plan to a fresh SQLite database with savePlan.
 * The parse goes through parsePlanText, the path the CLI and upload take.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parsePlanText } from '../services/import.ts';
import { parseDocument, type Block } from '../domain/parser/index.ts';
import { savePlan } from '../services/plans.ts';
import { createPrisma, prepareDatabase } from '../prisma/client.ts';

const seedDir = fileURLToPath(new URL('../tests/fixtures/seeds/', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS) || 20;
const SYNTHETIC_TASKS = 1000;
/** The seed whose task sections are repeated (one task per (n) section). */
const SYNTHETIC_SEED = process.env.BENCH_SEED || 'hubei-health-service-system-plan-2024';

const L1 = /^\s*[一二三四五六七八九十百]+、/;
const L2 = /^\s*[（(][一二三四五六七八九十百]+[)）]/;
const ANNEX = /^\s*附\s*件/;

/** Chinese numerals 1…999 as plan headings write them (十一, 二十, 一百一十, 一百零一). */
export function chineseNumeral(n: number): string {
  const d = '〇一二三四五六七八九';
  if (n < 1 || n > 999 || !Number.isInteger(n)) throw new RangeError(`numeral out of range: ${n}`);
  if (n < 10) return d[n];
  if (n < 100) {
    const tens = Math.floor(n / 10);
    return `${tens > 1 ? d[tens] : ''}十${n % 10 ? d[n % 10] : ''}`;
  }
  const rest = n % 100;
  const tail =
    rest === 0 ? '' : rest < 10 ? `零${d[rest]}` : rest < 20 ? `一${chineseNumeral(rest)}` : chineseNumeral(rest);
  return `${d[Math.floor(n / 100)]}百${tail}`;
}

/** A 台账 of `n` rows as a spreadsheet gives it: a title row, a header row, then one task per row. */
export function syntheticLedger(n: number): Block[] {
  const rows: string[][] = [
    ['某县2024年深化医改重点任务台账', '', '', '', '', ''],
    ['序号', '重点任务', '工作措施及目标', '责任单位', '配合单位', '完成时限'],
  ];
  const depts = ['县卫健局', '县医保局', '县财政局', '县人社局', '县发改局'];
  for (let i = 1; i <= n; i++)
    rows.push([
      String(i),
      `重点任务第${i}项`,
      `到2025年，第${i}项指标达到${(i % 90) + 10}%以上，每季度报送一次进展。`,
      depts[i % depts.length],
      `${depts[(i + 1) % depts.length]}、${depts[(i + 2) % depts.length]}`,
      `2025年${(i % 12) + 1}月底前`,
    ]);
  return [{ kind: 'table', rows }];
}

/** The heading numeral after `n` that the parser reads as one (its headings have no 零). */
function nextHeadingNumber(n: number): number {
  let next = n + 1;
  while (chineseNumeral(next).includes('零')) next++;
  return next;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(fn: () => unknown, runs: number): { medianMs: number; minMs: number } {
  fn(); // warm-up: JIT and regex compilation
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return { medianMs: round(median(ms)), minMs: round(Math.min(...ms)) };
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * A plan of exactly `taskCount` tasks: the seed's front matter (title,
 * preamble), then rounds of the seed's task-bearing top-level sections, each
 * titled "N、<original title>（第k轮）" (so every path is distinct and a
 * safeguard section stays one) and holding copies of that section's (一)…(n)
 * blocks. Every block's own task count is measured first, in its section, so
 * the total comes out exact.
 */
export function syntheticPlan(seedText: string, taskCount: number): string {
  const lines = seedText.split(/\r?\n/);
  const seed = parsePlanText(seedText);
  const taskTops = new Set(seed.tasks.map((t) => t.path[0]?.trim()));
  const l1 = lines.map((l, i) => (L1.test(l) ? i : -1)).filter((i) => i >= 0);
  const isTaskSection = (i: number) => taskTops.has(lines[i].trim());
  const first = l1.find(isTaskSection);
  if (first === undefined) throw new Error('the seed has no task-bearing top-level section');
  const prefix = lines.slice(0, first);
  const prefixSections = l1.filter((i) => i < first).length;

  const heading = (n: number, title: string, round: number) => `${chineseNumeral(n)}、${title}（第${round}轮）`;
  const renumber = (block: string[], k: number) => [block[0].replace(L2, `(${chineseNumeral(k)})`), ...block.slice(1)];
  const tasksIn = (title: string, block: string[]) => {
    try {
      const text = [...prefix, heading(prefixSections + 1, title, 1), ...renumber(block, 1)].join('\n');
      return parsePlanText(text).tasks.length;
    } catch {
      return 0; // a block that holds no task on its own
    }
  };

  // The task-bearing top-level sections and their (n) blocks, with task counts.
  const sections: { title: string; blocks: { lines: string[]; tasks: number }[] }[] = [];
  for (const start of l1.filter(isTaskSection)) {
    const next = lines.findIndex((l, i) => i > start && (L1.test(l) || ANNEX.test(l)));
    const title = lines[start].trim().replace(L1, '');
    const blocks: string[][] = [];
    let current: string[] | null = null;
    for (const line of lines.slice(start + 1, next < 0 ? lines.length : next)) {
      if (L2.test(line)) blocks.push((current = [line]));
      else if (current) current.push(line);
    }
    const counted = blocks.map((b) => ({ lines: b, tasks: tasksIn(title, b) })).filter((b) => b.tasks > 0);
    if (counted.length) sections.push({ title, blocks: counted });
  }
  const all = sections.flatMap((s) => s.blocks);
  if (!all.length) throw new Error('the seed has no (n) task sections to repeat');
  if (!all.some((b) => b.tasks === 1)) throw new Error('no single-task block to make the count exact');

  const out = [...prefix];
  let total = 0;
  let n = prefixSections;
  for (let round = 1; total < taskCount; round++) {
    for (const section of sections) {
      const members: string[][] = [];
      for (const b of section.blocks) {
        if (total + b.tasks > taskCount) continue;
        members.push(b.lines);
        total += b.tasks;
      }
      if (members.length)
        out.push(
          heading((n = nextHeadingNumber(n)), section.title, round),
          ...members.flatMap((b, k) => renumber(b, k + 1)),
        );
    }
  }
  return out.join('\n');
}

export async function run(): Promise<Record<string, unknown>> {
  const seeds: Record<string, unknown> = {};
  for (const file of fs
    .readdirSync(seedDir)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const text = fs.readFileSync(path.join(seedDir, file), 'utf8');
    const tasks = parsePlanText(text, file).tasks.length;
    seeds[file.replace(/\.txt$/, '')] = { chars: text.length, tasks, ...time(() => parsePlanText(text, file), RUNS) };
  }

  const text = syntheticPlan(fs.readFileSync(path.join(seedDir, `${SYNTHETIC_SEED}.txt`), 'utf8'), SYNTHETIC_TASKS);
  const parsed = parsePlanText(text, 'synthetic-1000.txt');
  const parse = time(() => parsePlanText(text, 'synthetic-1000.txt'), Math.max(3, Math.ceil(RUNS / 4)));

  // A 1,000-row 台账 (the .xlsx / .csv / .docx table path), parsed from its cells.
  const ledger = syntheticLedger(SYNTHETIC_TASKS);
  const ledgerTasks = parseDocument(ledger).tasks.length;
  const ledgerParse = time(() => parseDocument(ledger), Math.max(3, Math.ceil(RUNS / 4)));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-bench-import-'));
  const url = `file:${path.join(dir, 'duban.db')}`;
  try {
    let t0 = performance.now();
    await prepareDatabase(url);
    const migrateMs = round(performance.now() - t0);
    const prisma = createPrisma(url);
    try {
      t0 = performance.now();
      const saved = await savePlan(prisma, parsed, { text, format: 'txt' });
      const writeMs = round(performance.now() - t0);
      const [tasks, indicators, departments] = await Promise.all([
        prisma.task.count({ where: { planId: saved.planId } }),
        prisma.indicator.count(),
        prisma.department.count(),
      ]);
      return {
        runs: RUNS,
        seeds,
        synthetic: {
          seed: SYNTHETIC_SEED,
          chars: text.length,
          tasks: parsed.tasks.length,
          parse,
          parseMsPerTask: round(parse.medianMs / parsed.tasks.length),
        },
        ledger: { tasks: ledgerTasks, parse: ledgerParse },
        write: { tasks, indicators, departments, migrateMs, savePlanMs: writeMs, msPerTask: round(writeMs / tasks) },
      };
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
