/**
 * `duban import` for real: the CLI is spawned as a user would run it (through
 * bin/duban.js, and once through `npm run -s cli`), against the seeds, broken
 * files, a fresh database and the embedded Temporal engine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma } from '../../prisma/client.ts';
import { connectTemporal, freePort } from '../../runtime/temporal.ts';
import { loadConfig } from '../../temporal.config.ts';
import { planWorkflowId, taskWorkflowId } from '../../workflows/definitions.ts';
import { buildDocx } from '../import/docx.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const seedDir = path.join(root, 'tests', 'fixtures', 'seeds');
const BIN = path.join(root, 'bin', 'duban.js');
const SEEDS = [
  'wafangdian-medical-alliance-plan-2017',
  'hubei-health-service-system-plan-2024',
  'dehui-county-medical-community-plan-2023',
];

interface Expected {
  title: string;
  doc_number: string | null;
  tasks: { title: string; lead: string[]; cooperating: string[] }[];
}
const expectedOf = (seed: string): Expected =>
  JSON.parse(fs.readFileSync(path.join(seedDir, `${seed}.expected.json`), 'utf8'));
const seedFile = (seed: string) => path.join(seedDir, `${seed}.txt`);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Result> {
  return new Promise((resolve, reject) => {
    // Scrub the variables that would point the CLI at a real database or cluster.
    const env: Record<string, string | undefined> = { ...process.env, DUBAN_DEMO: '0', ...opts.env };
    for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ENGINE_DB_FILE']) if (!opts.env?.[k]) delete env[k];
    const child = spawn(command, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let tmp: string;
const dataDir = (name: string) => path.join(tmp, name);
/** `node bin/duban.js …` from a scratch directory, with DATA_DIR under it. */
const duban = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args], { cwd: tmp, env: { DATA_DIR: dataDir('data'), ENGINE_PORT: '0', ...env } });

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-cli-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('duban --help and usage errors', () => {
  it('--help lists the import command and exits 0', async () => {
    const r = await duban(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('import');
    expect(r.stdout).toContain('督办');
  });
  it('import --help documents its options', async () => {
    const r = await duban(['import', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--dry-run', '--json', '--no-workflows', '--title', '--new-version', '--document', '--columns'])
      expect(r.stdout).toContain(flag);
  });
  it('an unknown option is a usage error: exit 2, commander message on stderr', async () => {
    const r = await duban(['import', seedFile(SEEDS[0]), '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stdout).toBe('');
  });
  it('a missing file argument is a usage error', async () => {
    const r = await duban(['import']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing required argument');
  });
});

describe('duban import --dry-run', () => {
  for (const seed of SEEDS) {
    it(`--json prints exactly the parsed plan of ${seed}`, async () => {
      const expected = expectedOf(seed);
      const r = await duban(['import', seedFile(seed), '--dry-run', '--json']);
      expect(r.code).toBe(0);
      const plan = JSON.parse(r.stdout); // throws if anything but one JSON document is on stdout
      expect(plan.doc).toBe(`${seed}.txt`);
      expect(plan.title).toBe(expected.title);
      expect(plan.doc_number).toBe(expected.doc_number);
      expect(plan.tasks.map((t: { title: string }) => t.title)).toEqual(expected.tasks.map((t) => t.title));
      expect(plan.tasks.map((t: { lead: string[] }) => t.lead)).toEqual(expected.tasks.map((t) => t.lead));
      expect(plan.tasks.map((t: { cooperating: string[] }) => t.cooperating)).toEqual(
        expected.tasks.map((t) => t.cooperating),
      );
      expect(fs.existsSync(dataDir('data'))).toBe(false);
    });
  }

  it('through `npm run -s cli` stdout is still exactly one JSON object', async () => {
    const seed = SEEDS[1];
    const r = await run('npm', ['run', '-s', 'cli', '--', 'import', seedFile(seed), '--dry-run', '--json'], {
      cwd: root,
      env: { DATA_DIR: dataDir('npm-data') },
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trimStart().startsWith('{')).toBe(true);
    expect(JSON.parse(r.stdout).tasks).toHaveLength(expectedOf(seed).tasks.length);
    expect(fs.existsSync(dataDir('npm-data'))).toBe(false);
  });

  it('without --json prints a readable summary that flags unassigned tasks', async () => {
    const r = await duban(['import', seedFile('wafangdian-medical-alliance-plan-2017'), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('瓦房店市医疗联合体建设实施方案');
    expect(r.stdout).toContain('任务 / Tasks: 22');
    expect(r.stdout).toContain('11 项任务未写明责任部门');
    expect(r.stdout).toContain('Dry run: nothing was written.');
    expect(fs.existsSync(dataDir('data'))).toBe(false);
  });

  it('reads a .docx like the .txt it was made from', async () => {
    const seed = SEEDS[2];
    const docx = path.join(tmp, `${seed}.docx`);
    fs.writeFileSync(docx, await buildDocx(fs.readFileSync(seedFile(seed), 'utf8')));
    const r = await duban(['import', docx, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.doc).toBe(`${seed}.docx`);
    expect(plan.tasks.map((t: { title: string }) => t.title)).toEqual(expectedOf(seed).tasks.map((t) => t.title));
  });
});

describe('files that are not importable plans: exit 2, a bilingual message, nothing written', () => {
  const cases: { name: string; make: () => string; zh: string; en: string }[] = [
    { name: 'a missing file', make: () => path.join(tmp, 'no-such-plan.txt'), zh: '找不到文件', en: 'File not found' },
    {
      name: 'an empty file',
      make: () => write('empty.txt', Buffer.alloc(0)),
      zh: '文件为空',
      en: 'The file is empty',
    },
    {
      name: 'binary bytes in a .txt',
      make: () =>
        write('binary.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0x81])),
      zh: '不是 UTF-8',
      en: 'not UTF-8',
    },
    {
      name: 'valid UTF-8 with NUL bytes',
      make: () => write('nul.md', Buffer.from('一、主要任务\u0000\u0000(一)加强领导\u0000', 'utf8')),
      zh: '不是文本文档',
      en: 'not a text document',
    },
    {
      name: 'a .txt that is not a plan',
      make: () =>
        write(
          'letter.txt',
          Buffer.from('关于召开年度总结会议的通知\n各科室：\n定于12月20日下午召开年度总结会议，请准时参加。\n', 'utf8'),
        ),
      zh: '未能从文件中识别出任何任务',
      en: 'No task found',
    },
    {
      name: 'a corrupt .docx',
      make: () => write('broken.docx', Buffer.from('PK\u0003\u0004 not really a zip', 'latin1')),
      zh: 'Word 文档',
      en: 'Cannot read the Word document',
    },
    { name: 'a .pdf', make: () => write('plan.pdf', Buffer.from('%PDF-1.4\n%âãÏÓ\n')), zh: 'PDF', en: 'PDF' },
    { name: 'a directory', make: () => tmp, zh: '目录', en: 'directory' },
  ];
  function write(name: string, bytes: Buffer): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, bytes);
    return file;
  }

  for (const c of cases) {
    it(c.name, async () => {
      const data = `bad-${c.name.replace(/\W+/g, '-')}`;
      const r = await duban(['import', c.make()], { DATA_DIR: dataDir(data) });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(c.zh);
      expect(r.stderr).toContain(c.en);
      expect(r.stderr.indexOf('错误：')).toBeLessThan(r.stderr.indexOf('Error:'));
      expect(r.stderr).toContain('Nothing was imported');
      expect(fs.existsSync(dataDir(data))).toBe(false);
    });
  }

  it('the same on a dry run with --json: no JSON, no database', async () => {
    const r = await duban(['import', path.join(tmp, 'missing.docx'), '--dry-run', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('找不到文件');
    expect(fs.existsSync(dataDir('data'))).toBe(false);
  });
});

describe('configuration and database errors', () => {
  it('an invalid configuration is refused before anything is written: exit 2', async () => {
    const dir = dataDir('bad-config');
    const r = await duban(['import', seedFile(SEEDS[1])], { DATA_DIR: dir, TEMPORAL_ADDRESS: 'not-an-address' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('配置无效');
    expect(r.stderr).toContain('Invalid configuration: TEMPORAL_ADDRESS');
    expect(fs.existsSync(dir)).toBe(false);
  });
  it('a database that cannot be opened is reported: exit 1', async () => {
    const r = await duban(['import', seedFile(SEEDS[1]), '--no-workflows'], { DATABASE_URL: `file:${tmp}` });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('无法打开数据库');
    expect(r.stderr).toContain('Cannot open the database');
  });
});

describe('duban import into a database', () => {
  it('--no-workflows writes the plan, its departments and DRAFT tasks, and flags unassigned tasks', async () => {
    const seed = 'wafangdian-medical-alliance-plan-2017';
    const expected = expectedOf(seed);
    const dir = dataDir('write-only');
    const r = await duban(['import', seedFile(seed), '--no-workflows'], { DATA_DIR: dir });
    expect(r.code).toBe(0);
    // Chinese first, English second.
    expect(r.stdout).toContain('已导入方案《瓦房店市医疗联合体建设实施方案》');
    expect(r.stdout).toContain('Imported plan "瓦房店市医疗联合体建设实施方案"');
    expect(r.stdout.indexOf('已导入方案')).toBeLessThan(r.stdout.indexOf('Imported plan'));
    expect(r.stdout).toContain('任务：22 项');
    expect(r.stdout).toContain('未写明责任部门的任务：11 项');
    expect(r.stdout).toContain('--no-workflows');
    // No engine was started.
    expect(fs.existsSync(path.join(dir, 'temporal.db'))).toBe(false);

    const planId = /方案 ID：(\S+)/.exec(r.stdout)![1];
    const prisma = createPrisma(`file:${path.join(dir, 'duban.db')}`);
    try {
      const plans = await prisma.plan.findMany();
      expect(plans.map((p) => p.id)).toEqual([planId]);
      expect(plans[0].title).toBe(expected.title);
      const tasks = await prisma.task.findMany({
        where: { planId },
        orderBy: { sortOrder: 'asc' },
        include: {
          leadDepartment: true,
          cooperators: { include: { department: true }, orderBy: { sortOrder: 'asc' } },
        },
      });
      expect(tasks.map((t) => t.title)).toEqual(expected.tasks.map((t) => t.title));
      expect(new Set(tasks.map((t) => t.status))).toEqual(new Set(['DRAFT']));
      expect(tasks.map((t) => t.leadDepartment?.name ?? null)).toEqual(expected.tasks.map((t) => t.lead[0] ?? null));
      expect(tasks.map((t) => t.cooperators.map((c) => c.department.name))).toEqual(
        expected.tasks.map((t) => t.cooperating),
      );
      expect(tasks.filter((t) => t.needsAssignment)).toHaveLength(11);
      const names = (await prisma.department.findMany()).map((d) => d.name).sort();
      const named = new Set(expected.tasks.flatMap((t) => [...t.lead, ...t.cooperating]));
      expect(names).toEqual(expect.arrayContaining([...named].sort()));
    } finally {
      await prisma.$disconnect();
    }
  }, 120_000);

  it('refuses the same document twice unless --new-version confirms it, which supersedes the first', async () => {
    const seed = 'wafangdian-medical-alliance-plan-2017';
    const dir = dataDir('duplicate');
    const first = await duban(['import', seedFile(seed), '--no-workflows', '--json'], { DATA_DIR: dir });
    expect(first.code).toBe(0);
    const planId = JSON.parse(first.stdout).planId as string;

    // The same document again is refused: exit 2, a bilingual message, nothing written.
    const twice = await duban(['import', seedFile(seed), '--no-workflows', '--json'], { DATA_DIR: dir });
    expect(twice.code).toBe(2);
    expect(twice.stdout).toBe('');
    expect(twice.stderr).toContain('该文件已导入过');
    expect(twice.stderr).toContain('already imported');
    expect(twice.stderr).toContain('--new-version');
    // Re-saved with other line breaks and spacing it is still the same document.
    const respaced = path.join(tmp, 'respaced.txt');
    fs.writeFileSync(respaced, fs.readFileSync(seedFile(seed), 'utf8').replace(/\n/g, '\r\n\r\n  '));
    expect((await duban(['import', respaced, '--no-workflows'], { DATA_DIR: dir })).code).toBe(2);
    const check = createPrisma(`file:${path.join(dir, 'duban.db')}`);
    try {
      expect(await check.plan.count()).toBe(1);
      expect((await check.plan.findFirstOrThrow()).sourceHash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await check.$disconnect();
    }

    // Confirmed as a new version: imported, superseding the first; departments are reused.
    const again = await duban(['import', seedFile(seed), '--no-workflows', '--json', '--new-version'], {
      DATA_DIR: dir,
    });
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout);
    expect(summary.supersedesId).toBe(planId);
    expect(summary.departmentsCreated).toEqual([]);
    expect(summary.tasks).toBe(22);
    expect(summary.unassignedTasks).toHaveLength(11);
    expect(summary.workflows).toBe('skipped');
    const after = createPrisma(`file:${path.join(dir, 'duban.db')}`);
    try {
      const second = await after.plan.findUniqueOrThrow({ where: { id: summary.planId } });
      expect(second.supersedesId).toBe(planId);
      expect(second.issuedOn).toBe('2017-09-26');
    } finally {
      await after.$disconnect();
    }
  }, 180_000);

  it('a plan without a title is refused until --title gives one, never saved as 「未命名方案」', async () => {
    const dir = dataDir('untitled');
    const file = path.join(tmp, 'untitled.txt');
    fs.writeFileSync(
      file,
      [
        '一、重点任务',
        '（一）加强乡镇卫生院建设。2027年底前完成8所乡镇卫生院提档升级。（牵头单位：县卫健局；配合单位：县财政局）',
        '（二）推进家庭医生签约服务。重点人群签约率达到75%以上。（县卫健局负责）',
      ].join('\n'),
    );
    const dry = await duban(['import', file, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const parsed = JSON.parse(dry.stdout);
    expect(parsed.title).toBeNull();
    expect(parsed.warnings.find((w: { code: string }) => w.code === 'NO_TITLE').message).toContain('未找到方案标题');

    const refused = await duban(['import', file, '--no-workflows'], { DATA_DIR: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--title');
    expect(fs.existsSync(path.join(dir, 'duban.db'))).toBe(false);

    const ok = await duban(['import', file, '--no-workflows', '--json', '--title', '县基层卫生能力提升方案'], {
      DATA_DIR: dir,
    });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).title).toBe('县基层卫生能力提升方案');
    const prisma = createPrisma(`file:${path.join(dir, 'duban.db')}`);
    try {
      expect((await prisma.plan.findMany()).map((p) => p.title)).toEqual(['县基层卫生能力提升方案']);
    } finally {
      await prisma.$disconnect();
    }
  }, 120_000);

  it('imports an .xlsx 台账 and a compilation, saying which document and which columns it read', async () => {
    const plans = path.join(root, 'tests', 'fixtures', 'plans');
    const xlsx = await duban(['import', path.join(plans, 'baiyun-district-reform-ledger-2024.xlsx'), '--dry-run']);
    expect(xlsx.code).toBe(0);
    expect(xlsx.stdout).toContain('白云区2024年深化医改重点工作任务台账');
    expect(xlsx.stdout).toContain('任务 / Tasks: 7');
    expect(xlsx.stdout).toContain('责任单位→牵头单位');
    expect(xlsx.stdout).toContain('进展情况→不导入');
    const remapped = await duban([
      'import',
      path.join(plans, 'baiyun-district-reform-ledger-2024.xlsx'),
      '--dry-run',
      '--json',
      '--columns',
      'seq,task,detail,cooperating,lead,deadline,ignore',
    ]);
    expect(remapped.code).toBe(0);
    expect(JSON.parse(remapped.stdout).tasks[0]).toMatchObject({ lead: ['区医保局'], cooperating: ['区卫健局'] });

    const compilation = path.join(plans, 'linhe-health-documents-compilation-2024.txt');
    const first = await duban(['import', compilation, '--dry-run', '--json']);
    const plan = JSON.parse(first.stdout);
    expect(plan.documents).toHaveLength(2);
    expect(plan.title).toBe('临河区家庭医生签约服务提质增效实施方案');
    expect(plan.warnings[0].message).toContain('文件包含 2 份文件');
    const second = JSON.parse((await duban(['import', compilation, '--dry-run', '--json', '--document', '2'])).stdout);
    expect(second.doc_number).toBe('临卫发〔2024〕12号');
    expect(second.tasks).toHaveLength(2);
  }, 120_000);

  it('starts one workflow per task and the plan supervision on the embedded engine', async () => {
    const seed = 'hubei-health-service-system-plan-2024';
    const dir = dataDir('with-engine');
    const r = await duban(['import', seedFile(seed), '--json'], { DATA_DIR: dir });
    expect(r.stderr).not.toContain('Error:');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.workflows).toBe('started');
    expect(summary.tasks).toBe(31);
    expect(summary.departmentsCreated).toHaveLength(13);

    const prisma = createPrisma(`file:${path.join(dir, 'duban.db')}`);
    const tasks = await prisma.task.findMany({ where: { planId: summary.planId } });
    await prisma.$disconnect();
    expect(tasks).toHaveLength(31);

    // The CLI stopped its engine; the workflows are durable in the engine's file.
    const temporal = await connectTemporal(loadConfig({ DATA_DIR: dir, ENGINE_PORT: '0' }));
    try {
      const described = await Promise.all(
        [...tasks.map((t) => taskWorkflowId(t.id)), planWorkflowId(summary.planId)].map((id) =>
          temporal.client.workflow.getHandle(id).describe(),
        ),
      );
      expect(described.map((d) => d.status.name)).toEqual(described.map(() => 'RUNNING'));
      expect(described.filter((d) => d.type === 'reformTask')).toHaveLength(31);
      expect(described.filter((d) => d.type === 'planSupervision')).toHaveLength(1);
    } finally {
      await temporal.stop();
    }
  });

  it('reports a plan saved without workflows when Temporal is unreachable: exit 1', async () => {
    const dir = dataDir('no-engine');
    const port = await closedPort();
    const r = await duban(['import', seedFile('dehui-county-medical-community-plan-2023')], {
      DATA_DIR: dir,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('方案已写入数据库');
    expect(r.stderr).toContain('but its workflows could not be started');
    expect(r.stderr.indexOf('错误：')).toBeLessThan(r.stderr.indexOf('Error:'));
    const planId = /方案 ID (\S+)）/.exec(r.stderr)![1];
    const prisma = createPrisma(`file:${path.join(dir, 'duban.db')}`);
    try {
      expect(await prisma.task.count({ where: { planId, status: 'DRAFT' } })).toBe(24);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('gives up on a stalled workflow start, stops its engine and exits 1', async () => {
    const dir = dataDir('stalled');
    const r = await duban(['import', seedFile('hubei-health-service-system-plan-2024')], {
      DATA_DIR: dir,
      DUBAN_CLI_WORKFLOW_TIMEOUT_MS: '1',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('timed out after 1 ms');
    expect(r.stderr).toContain('some or all have no workflow yet');
    // The embedded engine the CLI started is gone with it.
    expect(fs.existsSync(path.join(dir, 'temporal.db'))).toBe(true);
    expect(processesMentioning(dir)).toEqual([]);
  });
});

/** Pids of live processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  if (!fs.existsSync('/proc/self/cmdline')) return [];
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

/** A port nothing listens on. */
const closedPort = freePort;
