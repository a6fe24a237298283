/**
 * 代理 (acting-for) on a phone (390 px): 张三 of 县卫健局 tries a range in the
 * past (a clear Chinese error, nothing stored), then names 王五 of 县财政局 to
 * act for him from today; 王五 signs in and sees the banner "您正在代理 张三（至 …）"
 * and 卫健局's task among his own. Screenshots (390 and 1440 px) go to
 * tests/e2e/screenshots/delegation/ (or DELEGATION_SHOTS).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { addCalendarDays, shanghaiDate } from '../../domain/calendar.ts';
import { PASSWORD } from './app.ts';
import { SHOTS, launchBrowser, newUserPage, signIn, startAppProcess, type RunningApp } from './browser.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const OUT = process.env.DELEGATION_SHOTS || path.join(SHOTS, 'delegation');
const PLAN = '代理测试方案\n一、重点任务\n（一）推进分级诊疗。（县卫健局牵头，2030年底前完成）';
const today = shanghaiDate(Date.now());
const until = addCalendarDays(today, 7);

let app: RunningApp;
let browser: Browser;
let taskTitle = '';

async function shot(page: Page, name: string, locator?: string) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}.png`);
  if (locator) await page.locator(locator).first().screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppProcess({}, 'app-delegation'), launchBrowser()]);
  const office = await app.login('office');
  const admin = await app.login('admin');
  const dept = async (name: string) =>
    (
      await app.gql<{ createDepartment: { data: { id: string } } }>(
        admin,
        `mutation ($n: String!) { createDepartment(name: $n) { ... on MutationCreateDepartmentSuccess { data { id } } } }`,
        { n: name },
      )
    ).createDepartment.data.id;
  const health = await dept('县卫健局');
  const finance = await dept('县财政局');
  const imported = await app.gql<{ importPlan: { data: { plan: { id: string } } } }>(
    office,
    `mutation ($text: String!) { importPlan(text: $text) { ... on MutationImportPlanSuccess { data { plan { id } } } ... on DubanError { code message } } }`,
    { text: PLAN },
  );
  const planId = imported.importPlan.data.plan.id;
  for (const [u, n, d] of [
    ['zhangsan', '张三', health],
    ['wangwu', '王五', finance],
  ]) {
    await app.gql(
      admin,
      `mutation ($u: String!, $n: String!, $d: ID) { createUser(username: $u, displayName: $n, password: "${PASSWORD}", role: DEPARTMENT, departmentId: $d) { __typename } }`,
      { u, n, d },
    );
  }
  let task: { taskId: string; title: string } | undefined;
  for (let i = 0; i < 100 && !task; i++) {
    const t = await app.gql<{ tasks: { edges: { node: { taskId: string; title: string; status: string } }[] } }>(
      office,
      `query ($p: ID!) { tasks(filter: { planId: $p }) { edges { node { taskId title status } } } }`,
      { p: planId },
    );
    task = t.tasks.edges[0]?.node;
    if (!task) await new Promise((r) => setTimeout(r, 300));
  }
  taskTitle = task!.title;
  const assigned = await app.gql<{ assignTask: { __typename: string } }>(
    office,
    `mutation ($t: ID!, $d: ID!) { assignTask(taskId: $t, leadDepartmentId: $d) { __typename ... on DubanError { message } } }`,
    { t: task!.taskId, d: health },
  );
  expect(assigned.assignTask.__typename).not.toBe('DubanError');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('代理 on a phone', () => {
  it('张三 names 王五 to act for him (a past range refused first); 王五 sees the banner and the task', async () => {
    const z = await newUserPage(browser, PHONE);
    await signIn(z.page, app.url, 'zhangsan');
    await z.page.goto(`${app.url}/my`);
    const panel = z.page.getByTestId('delegation-panel');
    const form = panel.getByRole('form', { name: '指定代理人' });
    await form.getByLabel('代理人').selectOption({ label: '王五（县财政局）' });

    // A range in the past: the server's refusal, in Chinese, and nothing listed.
    await form.getByLabel('开始日期').fill(addCalendarDays(today, -5));
    await form.getByLabel('截止日期（含当天）').fill(addCalendarDays(today, -1));
    await form.getByRole('button', { name: '指定代理人', exact: true }).click();
    await form.getByRole('button', { name: '确认', exact: true }).click();
    const alert = form.locator('[role=alert]');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toMatch(/代理期限已经过去/);
    expect(await panel.getByText('暂无代理安排。').count()).toBe(1);
    await shot(z.page, 'refused-390', '[data-testid=delegation-panel]');

    await form.getByLabel('开始日期').fill(today);
    await form.getByLabel('截止日期（含当天）').fill(until);
    await form.getByLabel('事由（选填）').fill('外出培训');
    await form.getByRole('button', { name: '指定代理人', exact: true }).click();
    await form.getByRole('button', { name: '确认', exact: true }).click();
    await form.getByText('代理安排已保存。').waitFor({ timeout: 20_000 });
    await panel.getByText(`王五 代 张三：${today} 至 ${until}`).waitFor();
    const wide = await z.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    expect(wide, 'the page scrolls sideways at 390 px').toBe(false);
    await shot(z.page, 'panel-390', '[data-testid=delegation-panel]');
    await z.page.setViewportSize(DESKTOP);
    await shot(z.page, 'panel-1440', '[data-testid=delegation-panel]');
    expect(z.errors).toEqual([]);
    await z.context.close();

    const w = await newUserPage(browser, PHONE);
    await signIn(w.page, app.url, 'wangwu');
    await w.page.goto(`${app.url}/my`);
    const banner = w.page.getByTestId('acting-for-banner');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain(`您正在代理 张三（至 ${until}）`);
    await w.page.getByRole('link', { name: taskTitle }).waitFor({ timeout: 15_000 });
    expect(await w.page.getByTestId('acting-badge').first().textContent()).toBe('代 张三');
    await shot(w.page, 'banner-390');
    await w.page.setViewportSize(DESKTOP);
    await shot(w.page, 'banner-1440');
    expect(w.errors).toEqual([]);
    await w.context.close();

    // The office sees every arrangement on its dashboard, with the form to name one for anyone away.
    const o = await newUserPage(browser, DESKTOP);
    await signIn(o.page, app.url, 'office');
    await o.page.goto(`${app.url}/dashboard`);
    const officePanel = o.page.getByTestId('delegation-panel');
    await officePanel.getByText(`王五 代 张三：${today} 至 ${until}`).waitFor({ timeout: 15_000 });
    await officePanel.getByRole('form', { name: '指定代理人' }).getByLabel('被代理人').waitFor();
    await shot(o.page, 'office-1440', '[data-testid=delegation-panel]');
    expect(o.errors).toEqual([]);
    await o.context.close();
  }, 180_000);
});
