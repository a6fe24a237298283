/**
 * Writing an imported plan (services/plans.ts savePlan) against a real
 * SQLite database: the title is kept and required, the same document twice
 * is refused unless confirmed as a new version, past dates are marked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, parsePlanText } from '../../services/import.ts';
import { savePlan } from '../../services/plans.ts';
import { createPrisma, prepareDatabase, type PrismaClient } from '../../prisma/client.ts';

const fixture = (dir: string, name: string) =>
  fs.readFileSync(fileURLToPath(new URL(`../fixtures/${dir}/${name}`, import.meta.url)), 'utf8');

let tmp: string;
let prisma: PrismaClient;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-save-'));
  const url = `file:${path.join(tmp, 'duban.db')}`;
  await prepareDatabase(url);
  prisma = createPrisma(url);
});
afterAll(async () => {
  await prisma?.$disconnect();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as ImportError,
  );

describe('savePlan', () => {
  it('keeps the title, issuer date and hash; refuses the same document twice; a confirmed new version supersedes', async () => {
    const text = fixture('seeds', 'wafangdian-medical-alliance-plan-2017.txt');
    const parsed = parsePlanText(text, 'w.txt');
    const first = await savePlan(prisma, parsed, { text, format: 'txt' });
    const plan = await prisma.plan.findUniqueOrThrow({ where: { id: first.planId } });
    expect(plan).toMatchObject({ title: '瓦房店市医疗联合体建设实施方案', issuedOn: '2017-09-26', supersedesId: null });
    expect(plan.sourceHash).toMatch(/^[0-9a-f]{64}$/);

    // The same text re-saved as .docx would read: other line breaks and indentation.
    const again = text.replace(/\n/g, '\n\n').replace(/^/gm, '  ');
    const err = await refusal(savePlan(prisma, parsePlanText(again), { text: again, format: 'docx' }));
    expect(err).toBeInstanceOf(ImportError);
    expect(err).toMatchObject({ code: 'DUPLICATE_PLAN', detail: { planId: first.planId } });
    expect(err!.zh).toContain('该文件已导入过');
    expect(await prisma.plan.count()).toBe(1);

    const second = await savePlan(prisma, parsed, { text, format: 'txt' }, { newVersion: true });
    expect(second.supersedesId).toBe(first.planId);
    expect((await prisma.plan.findUniqueOrThrow({ where: { id: second.planId } })).supersedesId).toBe(first.planId);
  });

  it('refuses a plan without a title instead of naming it 「未命名方案」', async () => {
    const text = fixture('plans', 'songxi-county-chronic-disease-plan-2025.txt');
    const parsed = { ...parsePlanText(text), title: null };
    const before = await prisma.plan.count();
    const err = await refusal(savePlan(prisma, parsed, { text, format: 'txt' }));
    expect(err).toMatchObject({ code: 'TITLE_REQUIRED' });
    expect(await prisma.plan.count()).toBe(before);
    expect(await prisma.plan.count({ where: { title: '未命名方案' } })).toBe(0);
  });

  it('marks milestones and due dates already past on the import day', async () => {
    const text = fixture('plans', 'nanling-city-resource-sinking-plan-2023.txt');
    const saved = await savePlan(prisma, parsePlanText(text, 'n.txt', { today: '2024-10-15' }), {
      text,
      format: 'txt',
    });
    const remote = saved.tasks.find((t) => t.title === '推进远程医疗全覆盖')!;
    expect(remote.dueDate).toBe('2024-12-31');
    expect(remote.duePast).toBeUndefined();
    expect(remote.milestones).toEqual([{ title: '2024年9月底前', dueDate: '2024-09-30', past: true }]);
    const grid = saved.tasks.find((t) => t.title === '合理划分网格')!;
    expect(grid).toMatchObject({ dueDate: '2024-03-31', duePast: true });
  });
});
