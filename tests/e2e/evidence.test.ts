/**
 * 佐证材料 in a browser: a department uploads files on the report form at
 * phone width (390 px) and sees them listed, a refused file says why in
 * Chinese, and the closure request carries evidence; the office's closure
 * review shows the evidence and keeps 审核通过 disabled until the three
 * checklist boxes are ticked. Screenshots at 1440 and 390 px go to
 * tests/e2e/screenshots/evidence/ (and EVIDENCE_SHOTS, when set).
 *
 * Until the workflow carries the ids into the projection (Evidence.closureId),
 * the test links the closure's files itself, in the read model, so the review
 * can show them.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SHOTS, launchBrowser, newUserPage, signIn, startAppProcess, type RunningApp } from './browser.ts';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const OUT = [path.join(SHOTS, 'evidence'), ...(process.env.EVIDENCE_SHOTS ? [process.env.EVIDENCE_SHOTS] : [])];
const PLAN_TEXT = fs.readFileSync(
  path.resolve('tests/fixtures/seeds/wafangdian-medical-alliance-plan-2017.txt'),
  'utf8',
);
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

let app: RunningApp;
let browser: Browser;
let taskId = '';

async function shot(page: Page, name: string): Promise<void> {
  for (const dir of OUT) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  }
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppProcess({}, 'app-evidence'), launchBrowser()]);
  const office = await app.login('office');
  const admin = await app.login('admin');
  const imported = await app.gql<{ importPlan: { data: { plan: { id: string } } } }>(
    office,
    `mutation ($text: String!) { importPlan(text: $text) { ... on MutationImportPlanSuccess { data { plan { id } } } } }`,
    { text: PLAN_TEXT },
  );
  const planId = imported.importPlan.data.plan.id;
  const d = await app.gql<{ tasks: { edges: { node: { taskId: string; leadDepartment: { id: string } | null } }[] } }>(
    office,
    `query ($p: ID!) { tasks(filter: { planId: $p }, first: 5) { edges { node { taskId leadDepartment { id } } } } }`,
    { p: planId },
  );
  const node = d.tasks.edges.find((e) => e.node.leadDepartment)!.node;
  taskId = node.taskId;
  await app.gql(
    admin,
    `mutation ($d: ID!) { createUser(username: "evdept", displayName: "佐证联络员", password: "evdept-pass-2026", role: DEPARTMENT, departmentId: $d) { __typename } }`,
    { d: node.leadDepartment!.id },
  );
  const assigned = await app.gql<{ assignTask: { __typename: string } }>(
    office,
    `mutation ($t: ID!, $d: ID!) { assignTask(taskId: $t, leadDepartmentId: $d, dueDate: "2030-12-31") { __typename } }`,
    { t: taskId, d: node.leadDepartment!.id },
  );
  expect(assigned.assignTask.__typename).toBe('MutationAssignTaskSuccess');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
}, 30_000);

describe('evidence in the browser', () => {
  it('a department uploads on the report form at 390 px, sees the files, and a refused one says why', async () => {
    const u = await newUserPage(browser, PHONE);
    const errors: string[] = [];
    u.page.on('pageerror', (e) => errors.push(e.message));
    await signIn(u.page, app.url, 'evdept', 'evdept-pass-2026');
    await u.page.goto(`${app.url}/tasks/${taskId}`);
    const form = u.page.locator('#report-form');
    await form.waitFor({ timeout: 20_000 });
    const input = form.locator('input[type=file]');
    await input.setInputFiles([
      { name: '现场照片.png', mimeType: 'image/png', buffer: PNG },
      { name: '会议纪要.pdf', mimeType: 'application/pdf', buffer: PDF },
    ]);
    const list = form.getByRole('list', { name: '已附文件' });
    await list.getByText('会议纪要.pdf').waitFor({ timeout: 15_000 });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
    // A .pdf that is really a PNG is refused, in Chinese; the list keeps its two files.
    await input.setInputFiles([{ name: '假的.pdf', mimeType: 'application/pdf', buffer: PNG }]);
    await form.getByRole('alert').waitFor({ timeout: 15_000 });
    expect(await form.getByRole('alert').textContent()).toMatch(/^“假的\.pdf”未能上传：.*与文件名不符/);
    await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
    await form.scrollIntoViewIfNeeded();
    await shot(u.page, 'report-form-390');
    // Nothing wider than the phone.
    const wide = await u.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
        .slice(0, 5),
    );
    expect(wide).toEqual([]);
    // Removing one takes it off the list.
    await list.getByRole('button', { name: '移除“现场照片.png”' }).click();
    await expect.poll(() => list.getByRole('listitem').count()).toBe(1);
    await u.page.setViewportSize(DESKTOP);
    await shot(u.page, 'report-form-1440');
    expect(errors).toEqual([]);
    await u.context.close();
  }, 120_000);

  it('the closure request carries evidence; the office sees it and ticks the checklist before approving', async () => {
    const u = await newUserPage(browser, PHONE);
    await signIn(u.page, app.url, 'evdept', 'evdept-pass-2026');
    await u.page.goto(`${app.url}/tasks/${taskId}`);
    const form = u.page.locator('#closure-form');
    await form.waitFor({ timeout: 20_000 });
    await form.getByLabel('办结情况说明').fill('已全面完成，成效明显。');
    await form
      .locator('input[type=file]')
      .setInputFiles([{ name: '办结报告.pdf', mimeType: 'application/pdf', buffer: PDF }]);
    await form.getByRole('list', { name: '已附文件' }).getByText('办结报告.pdf').waitFor({ timeout: 15_000 });
    await form.getByRole('button', { name: '申请办结', exact: true }).click();
    await form.getByRole('button', { name: '确认', exact: true }).click();
    await u.page.locator('[data-testid=action-result] [role=status]').waitFor({ timeout: 20_000 });
    await u.context.close();

    // The projection's part, until the workflow carries the ids: link the file to the pending request.
    const db = new Database(path.join(app.dataDir, 'duban.db'));
    try {
      const closure = db
        .prepare(`SELECT id FROM ClosureReview WHERE taskId = ? AND status = 'PENDING'`)
        .get(taskId) as { id: string };
      db.prepare(`UPDATE Evidence SET closureId = ? WHERE taskId = ? AND name = '办结报告.pdf'`).run(
        closure.id,
        taskId,
      );
    } finally {
      db.close();
    }

    for (const [viewport, name] of [
      [DESKTOP, 'closure-review-1440'],
      [PHONE, 'closure-review-390'],
    ] as const) {
      const o = await newUserPage(browser, viewport);
      await signIn(o.page, app.url, 'office');
      await o.page.goto(`${app.url}/tasks/${taskId}`);
      const review = o.page.locator('#review-form');
      await review.waitFor({ timeout: 20_000 });
      await review.getByRole('link', { name: '办结报告.pdf' }).waitFor({ timeout: 15_000 });
      const approve = review.getByRole('button', { name: '审核通过（销号）', exact: true });
      expect(await approve.isDisabled()).toBe(true);
      await review.getByLabel('事实清楚').check();
      await review.getByLabel('问题解决').check();
      expect(await approve.isDisabled()).toBe(true);
      await review.getByLabel('资料齐全').check();
      expect(await approve.isDisabled()).toBe(false);
      await review.scrollIntoViewIfNeeded();
      await shot(o.page, name);
      // The download is an attachment with the file's name.
      const [download] = await Promise.all([
        o.page.waitForEvent('download'),
        review.getByRole('link', { name: '办结报告.pdf' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('办结报告.pdf');
      await o.context.close();
    }
  }, 150_000);
});
