/**
 * 退单 and 挂起 in a browser at phone width (390 px): the department disputes
 * a task it was given and the office lets the assignment stand; the department
 * asks to pause another, the office approves and then resumes it. Every form
 * is submitted through the page; the API only sets the scene (plan, user,
 * assignment). Screenshots go to tests/e2e/screenshots/responsibility/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD } from './app.ts';
import {
  SHOTS,
  act as actOnForm,
  launchBrowser,
  newUserPage,
  signIn,
  startAppProcess,
  type RunningApp,
} from './browser.ts';

const PHONE = { width: 390, height: 844 };
const DIR = path.join(SHOTS, 'responsibility');
const PLAN_TEXT = fs.readFileSync(
  path.resolve('tests/fixtures/seeds/wafangdian-medical-alliance-plan-2017.txt'),
  'utf8',
);
const DEPT = { username: 'resp-dept', password: 'resp-dept-pass-2026' };
const isoDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

let app: RunningApp;
let browser: Browser;
const tasks: string[] = [];

/** A signed-in phone page that collects page errors and failed responses. */
async function phone(username: string, password = PASSWORD) {
  const u = await newUserPage(browser, PHONE);
  const problems: string[] = [];
  u.page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  u.page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  await signIn(u.page, app.url, username, password);
  return { page: u.page, problems, close: () => u.context.close() };
}

async function openTask(page: Page, id: string): Promise<void> {
  await page.goto(`${app.url}/tasks/${id}`);
  await page.locator('main h2').first().waitFor({ timeout: 15_000 });
  await page.getByText('正在加载…').first().waitFor({ state: 'detached', timeout: 15_000 });
}

/** actOnForm (browser.ts) on a form scrolled into view first; the success or error it shows. */
async function act(page: Page, form: string, button: string, fill: Record<string, string> = {}): Promise<string> {
  await page.getByRole('form', { name: form }).scrollIntoViewIfNeeded();
  return actOnForm(page, form, button, fill);
}

async function snap(page: Page, name: string): Promise<void> {
  fs.mkdirSync(DIR, { recursive: true });
  await page.screenshot({ path: path.join(DIR, `${name}.png`), fullPage: true });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(wide, `${name}: the page scrolls sideways`).toBeLessThanOrEqual(1);
}

beforeAll(async () => {
  fs.rmSync(DIR, { recursive: true, force: true });
  [app, browser] = await Promise.all([startAppProcess({}, 'app-responsibility'), launchBrowser()]);
  const office = await app.login('office');
  const imported = await app.gql<{ importPlan: { data: { plan: { id: string } } } }>(
    office,
    `mutation ($text: String!) { importPlan(text: $text) { ... on MutationImportPlanSuccess { data { plan { id } } } } }`,
    { text: PLAN_TEXT },
  );
  const d = await app.gql<{ tasks: { edges: { node: { taskId: string; leadDepartment: { id: string } | null } }[] } }>(
    office,
    `query ($p: ID!) { tasks(filter: { planId: $p }, first: 100) { edges { node { taskId leadDepartment { id } } } } }`,
    { p: imported.importPlan.data.plan.id },
  );
  const led = d.tasks.edges.filter((e) => e.node.leadDepartment);
  const dept = led[0]!.node.leadDepartment!.id;
  const mine = led.filter((e) => e.node.leadDepartment!.id === dept).slice(0, 2);
  expect(mine).toHaveLength(2);
  const admin = await app.login('admin');
  await app.gql(
    admin,
    `mutation ($u: String!, $p: String!, $d: ID) { createUser(username: $u, displayName: "联络员李四", password: $p, role: DEPARTMENT, departmentId: $d) { __typename } }`,
    { u: DEPT.username, p: DEPT.password, d: dept },
  );
  const due = isoDay(Date.now() + 60 * 86_400_000);
  for (const e of mine) {
    tasks.push(e.node.taskId);
    await app.gql(
      office,
      `mutation ($id: ID!, $d: ID!, $due: String) { assignTask(taskId: $id, leadDepartmentId: $d, dueDate: $due) { __typename } }`,
      { id: e.node.taskId, d: dept, due },
    );
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
}, 30_000);

describe('退单 and 挂起 on a phone', () => {
  it('the department disputes a task; the office sees why and lets the assignment stand', async () => {
    const dept = await phone(DEPT.username, DEPT.password);
    await openTask(dept.page, tasks[0]!);
    // A dispute without a reason is not sent: the field is required.
    expect(
      await act(dept.page, '退单（非本单位职责）', '提出退单', { 退单理由: '该项工作属卫健部门职责，非我单位职能' }),
    ).toContain('已提出退单');
    await dept.page.getByTestId('dispute-state').waitFor();
    expect(await dept.page.getByTestId('dispute-state').textContent()).toContain('该项工作属卫健部门职责');
    await snap(dept.page, 'dispute-department-phone');
    expect(dept.problems).toEqual([]);

    const office = await phone('office');
    await openTask(office.page, tasks[0]!);
    expect(await office.page.getByTestId('dispute-state').textContent()).toMatch(/前裁定/);
    await snap(office.page, 'dispute-office-phone');
    expect(
      await act(office.page, '裁定退单：维持交办', '维持交办', { 裁定理由: '方案明确由贵单位牵头，请签收办理' }),
    ).toContain('已维持交办');
    await office.page.getByTestId('dispute-state').waitFor({ state: 'detached' });
    await openTask(office.page, tasks[0]!);
    await office.page.getByText('退单不予认可（维持交办）').first().waitFor();
    expect(office.problems).toEqual([]);
    await Promise.all([dept.close(), office.close()]);
  }, 120_000);

  it('the department asks to pause with a resume date; the office approves, then resumes it', async () => {
    const dept = await phone(DEPT.username, DEPT.password);
    await openTask(dept.page, tasks[1]!);
    expect(await act(dept.page, '签收任务', '签收')).toContain('已签收');
    const until = isoDay(Date.now() + 14 * 86_400_000);
    const f = dept.page.getByRole('form', { name: '申请挂起' });
    await f.getByLabel('挂起理由').fill('等待省卫健委批复医共体章程');
    await f.getByLabel(/恢复日期/).fill(until);
    await f.getByRole('button', { name: '提交挂起申请', exact: true }).click();
    await f.getByRole('button', { name: '确认', exact: true }).click();
    await dept.page.getByTestId('pause-state').waitFor();
    expect(await dept.page.getByTestId('pause-state').textContent()).toContain(`申请挂起至 ${until}`);
    await snap(dept.page, 'pause-requested-department-phone');

    const office = await phone('office');
    await openTask(office.page, tasks[1]!);
    expect(await act(office.page, '审批挂起：同意', '同意挂起')).toContain('已同意挂起');
    await office.page.getByText(`${until} 自动恢复推进`).waitFor();
    await snap(office.page, 'paused-office-phone');
    expect(await act(office.page, '恢复推进', '恢复推进', { '意见（可选）': '批复已下达' })).toContain('已恢复推进');
    await office.page.getByTestId('pause-state').waitFor({ state: 'detached' });
    await openTask(office.page, tasks[1]!);
    await office.page.getByText('恢复推进').first().waitFor();
    await snap(office.page, 'resumed-office-phone');
    expect([...dept.problems, ...office.problems]).toEqual([]);
    await Promise.all([dept.close(), office.close()]);
  }, 120_000);
});
