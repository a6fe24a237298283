/**
 * The first hour of a real office, in a browser: every form submitted once
 * (the department on a phone: bulk 签收, a report with indicator values,
 * extension, closure; the office: 交办 from a card, 改派, decisions, 人工督办,
 * 撤销, a quarterly round opened and closed; the supervisor's 批示 on a task
 * that is not overdue; the admin's users, departments and calendar), then every
 * page as every role at 1440×900 and 390×844.
 *
 * On every page: no console error, no HTTP response ≥ 400, no visible raw code
 * or English word in the Chinese UI, no element wider than the viewport, the
 * header in one row on a phone. Screenshots go to tests/e2e/screenshots/walk/
 * (gitignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD } from './app.ts';
import { SHOTS, act, launchBrowser, newUserPage, signIn, startAppProcess, type RunningApp } from './browser.ts';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const WALK_SHOTS = path.join(SHOTS, 'walk');
const PLAN_TEXT = fs.readFileSync(
  path.resolve('tests/fixtures/seeds/wafangdian-medical-alliance-plan-2017.txt'),
  'utf8',
);
const DEPT = { username: 'zxyy', password: 'zxyy-pass-2026', dept: '市中心医院' };
/** Latin words a Chinese page may show: names of things, not UI text. */
const LATIN_OK = new Set([
  'Excel',
  'English',
  'Ctrl',
  // The quarter a round is opened for is typed as 2026-Q4.
  'Q1',
  'Q2',
  'Q3',
  'Q4',
  'docx',
  'txt',
  'xlsx',
  'csv',
  // 佐证材料: the accepted types and sizes.
  'pdf',
  'png',
  'jpg',
  'gif',
  'webp',
  'MB',
  'KB',
  'admin',
  'office',
  'supervisor',
  DEPT.username,
  ...[...PLAN_TEXT.matchAll(/[A-Za-z][A-Za-z0-9]*/g)].map((m) => m[0]),
]);
const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

let app: RunningApp;
let browser: Browser;
let planId = '';
let deptId = '';
let extendedTo = '';
const ids: Record<string, string> = {};

interface Watched {
  page: Page;
  problems: string[];
  close(): Promise<void>;
}

/** A signed-in page whose console errors and failed responses are collected. */
async function watched(username: string | null, viewport: { width: number; height: number }, password = PASSWORD) {
  const u = await newUserPage(browser, viewport);
  const problems: string[] = [];
  u.page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  u.page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  u.page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  if (username) await signIn(u.page, app.url, username, password);
  return { page: u.page, problems, close: () => u.context.close() } satisfies Watched;
}

/** What a page must never show, measured in the page: raw codes and English, elements wider than the screen. */
async function audit(page: Page): Promise<{ latin: string[]; wide: string[]; headerHeight: number }> {
  return page.evaluate(() => {
    const latin: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[lang="en"], script, style, textarea, [aria-hidden="true"]')) continue;
      if (!el.checkVisibility() || el.closest('.sr-only')) continue;
      for (const m of (n.textContent ?? '').matchAll(/[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9_]|[A-Za-z]{2,}/g))
        latin.push(m[0]);
    }
    // Placeholders and accessible names are read too.
    for (const el of document.querySelectorAll<HTMLElement>('[placeholder], [aria-label], [title]')) {
      if (!el.checkVisibility() || el.closest('[lang="en"]')) continue;
      for (const a of ['placeholder', 'aria-label', 'title'])
        for (const m of (el.getAttribute(a) ?? '').matchAll(/[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9_]/g)) latin.push(m[0]);
    }
    const vw = document.documentElement.clientWidth;
    const wide: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= vw + 1) continue;
      // Inside a container that scrolls or clips sideways (a wide table in its .table-wrap) is fine.
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox !== 'visible') {
          clipped = true;
          break;
        }
      }
      if (clipped || el.closest('.sr-only')) continue;
      wide.push(`${el.tagName.toLowerCase()}.${el.className} (${Math.round(r.left)}–${Math.round(r.right)} of ${vw})`);
    }
    if (document.documentElement.scrollWidth > vw + 1)
      wide.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${vw})`);
    const header = document.querySelector('header');
    return { latin, wide: wide.slice(0, 5), headerHeight: header ? header.getBoundingClientRect().height : 0 };
  });
}

let shots = 0;
/** Open a page, wait for it to settle, check it, screenshot it. */
async function visit(w: Watched, route: string, name: string, expectText?: string): Promise<void> {
  await w.page.goto(`${app.url}${route}`);
  await check(w, name, expectText);
}

async function check(w: Watched, name: string, expectText?: string): Promise<void> {
  const { page } = w;
  await page.locator('main h2').first().waitFor({ timeout: 15_000 });
  await page.getByText('正在加载…').first().waitFor({ state: 'detached', timeout: 15_000 });
  if (expectText) await page.getByText(expectText).first().waitFor({ timeout: 15_000 });
  await page.waitForTimeout(150);
  const a = await audit(page);
  const latin = [...new Set(a.latin.filter((x) => !LATIN_OK.has(x)))];
  expect(latin, `${name}: raw codes or English on the Chinese page`).toEqual([]);
  expect(a.wide.join('\n'), `${name}: wider than the viewport`).toBe('');
  const vw = page.viewportSize()!.width;
  if (vw < 500) expect(a.headerHeight, `${name}: the header takes more than one row`).toBeLessThan(60);
  expect(w.problems.join('\n'), `${name}: console errors or failed requests`).toBe('');
  fs.mkdirSync(WALK_SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(WALK_SHOTS, `${name}.png`), fullPage: true });
  shots++;
}

beforeAll(async () => {
  fs.rmSync(WALK_SHOTS, { recursive: true, force: true });
  [app, browser] = await Promise.all([startAppProcess({}, 'app-walk'), launchBrowser()]);
  // The plan, imported through the API (the import page itself is walked and previewed below).
  const office = await app.login('office');
  const imported = await app.gql<{ importPlan: { data: { plan: { id: string } } } }>(
    office,
    `mutation ($text: String!) { importPlan(text: $text) { ... on MutationImportPlanSuccess { data { plan { id } } } ... on DubanError { code message } } }`,
    { text: PLAN_TEXT },
  );
  planId = imported.importPlan.data.plan.id;
  const d = await app.gql<{
    tasks: {
      edges: { node: { taskId: string; title: string; leadDepartment: { id: string; name: string } | null } }[];
    };
  }>(
    office,
    `query ($p: ID!) { tasks(filter: { planId: $p }, first: 100) { edges { node { taskId title leadDepartment { id name } } } } }`,
    { p: planId },
  );
  for (const e of d.tasks.edges) ids[e.node.title] ??= e.node.taskId;
  deptId = d.tasks.edges.find((e) => e.node.leadDepartment?.name === DEPT.dept)!.node.leadDepartment!.id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
}, 30_000);

describe('the walk: every form, every page, every role, both widths', () => {
  it('admin creates the department user, a department, a merge and calendar days', async () => {
    const w = await watched('admin', DESKTOP);
    const { page } = w;
    await visit(w, '/admin', 'admin-before-desktop');
    const form = page.getByRole('form', { name: '新建用户' });
    await form.getByLabel('用户名').fill(DEPT.username);
    await form.getByLabel('姓名 / 显示名').fill('市中心医院联络员');
    await form.getByLabel('初始密码（至少 8 位）').fill(DEPT.password);
    await form.getByLabel('角色').selectOption({ label: '责任单位' });
    await form.getByLabel('所属单位').selectOption({ label: DEPT.dept });
    await form.getByRole('button', { name: '创建' }).click();
    await form.getByRole('button', { name: '确认' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('用户已创建');
    // The form starts empty again.
    expect(await form.getByLabel('用户名').inputValue()).toBe('');
    expect(await act(page, '新建单位', '创建', { 单位名称: '市卫计局（别称）' })).toContain('单位已创建');
    const merge = page.getByRole('form', { name: '合并单位别名' });
    await merge.getByLabel('被合并的单位（别名）').selectOption({ label: '市卫计局（别称）' });
    await merge.getByLabel('保留的单位').selectOption({ label: '市卫计局' });
    await merge.getByRole('button', { name: '合并' }).click();
    await merge.getByRole('button', { name: '确认' }).click();
    await expect.poll(() => merge.getByRole('status').textContent()).toContain('已合并');
    expect(await act(page, '调整单日', '保存', { 日期: '2031-02-22', 名称: '春节调休' })).toContain('日历已更新');
    expect(await page.getByRole('form', { name: '调整单日' }).getByLabel('名称').inputValue()).toBe('');
    const year = page.getByRole('form', { name: '载入全年安排' });
    await year.getByLabel(/每行一天/).fill('2031-10-01 休 国庆节\n2031-10-02 休 国庆节');
    await year.getByRole('button', { name: '载入' }).click();
    await year.getByRole('button', { name: '确认' }).click();
    await expect.poll(() => year.getByRole('status').textContent()).toContain('日历已更新');
    // The plan's rules: a number format, scoring by points, and a heavier deduction for a 督办单.
    const rules = page.getByRole('form', { name: '方案规则设置' });
    expect(await rules.getByLabel('编号格式').inputValue()).toBe('〔{year}〕{n}号');
    await rules.getByLabel('编号格式').fill('医督〔{年}〕{序号}号');
    await rules.getByLabel('计分方式').selectOption({ label: '加减分制' });
    await rules.getByLabel('收到督办单（牵头）').fill('-2');
    await rules.getByRole('button', { name: '保存规则' }).click();
    await rules.getByRole('button', { name: '确认' }).click();
    await expect.poll(() => rules.getByRole('status').textContent()).toContain('方案规则已保存');
    await page.reload();
    await expect.poll(() => rules.getByLabel('编号格式').inputValue()).toBe('医督〔{年}〕{序号}号');
    expect(await rules.getByLabel('收到督办单（牵头）').inputValue()).toBe('-2');
    // A format without its number is refused in words, and nothing changes.
    await rules.getByLabel('编号格式').fill('医督〔{年}〕号');
    await rules.getByRole('button', { name: '保存规则' }).click();
    await rules.getByRole('button', { name: '确认' }).click();
    await expect.poll(() => rules.getByRole('alert').textContent()).toContain('编号格式须含且只含一个 {序号}');
    await check(w, 'admin-after-desktop');
    await w.close();
  }, 60_000);

  it('office assigns from a card (交办 confirmed), reassigns, cancels, escalates; the rest is assigned', async () => {
    const w = await watched('office', DESKTOP);
    const { page } = w;
    const now = Date.now();
    await visit(w, `/board?plan=${planId}`, 'board-before-desktop');
    const card = page.locator('article.card', { hasText: '紧密型医共体' }).first();
    // Not assigned: its own state, never green.
    expect(await card.getAttribute('data-health')).toBe('UNASSIGNED');
    await card.getByRole('button', { name: '交办：紧密型医共体' }).click();
    await card.getByLabel('完成时限').fill(isoDay(now + 60 * DAY));
    await card.getByRole('button', { name: '交办', exact: true }).click();
    await card.getByRole('button', { name: '确认', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('board-result').textContent(), { timeout: 20_000 })
      .toContain(`已交办给「${DEPT.dept}」`);
    const office = await app.login('office');
    const assign = async (title: string, due: string | null) => {
      const r = await app.gql<{ assignTask: { code?: string; message?: string } }>(
        office,
        `mutation ($id: ID!, $d: ID!, $due: String) { assignTask(taskId: $id, leadDepartmentId: $d, dueDate: $due) { __typename ... on DubanError { code message } } }`,
        { id: ids[title], d: deptId, due },
      );
      expect(r.assignTask.code, `${title}: ${r.assignTask.message}`).toBeUndefined();
    };
    await assign('松散型医共体', isoDay(now + 90 * DAY));
    await assign('落实医疗机构功能定位', null);
    await assign('远程医疗协作网', isoDay(now + 30 * DAY));
    // A task without a deadline is shown as such, never green.
    await page.reload();
    const noDue = page.locator(`article.card[data-task-id="${ids['落实医疗机构功能定位']}"]`);
    await expect.poll(() => noDue.getAttribute('data-health'), { timeout: 20_000 }).toBe('NO_DEADLINE');
    await check(w, 'board-assigned-desktop');

    await page.goto(`${app.url}/tasks/${ids['远程医疗协作网']}`);
    await page.getByTestId('task-status').waitFor();
    await page
      .getByRole('form', { name: '改派 / 调整时限' })
      .getByLabel('完成时限')
      .fill(isoDay(now + 40 * DAY));
    expect(await act(page, '改派 / 调整时限', '改派')).toContain(`已改派给「${DEPT.dept}」`);
    expect(await act(page, '人工督办', '发出督办', { 督办事由: '请尽快签收并报送进展。' })).toContain('督办已发出');
    await check(w, 'task-escalated-desktop');

    const draft = Object.entries(ids).find(
      ([t]) => !['紧密型医共体', '松散型医共体', '落实医疗机构功能定位', '远程医疗协作网'].includes(t),
    )!;
    await page.goto(`${app.url}/tasks/${draft[1]}`);
    await page.getByTestId('task-status').waitFor();
    expect(await act(page, '撤销任务', '撤销', { 撤销理由: '与其他任务重复。' })).toContain('任务已撤销');
    await w.close();
  }, 90_000);

  it('the department, on a phone: bulk 签收, a report with indicator values, extension (only with a deadline), closure', async () => {
    const w = await watched(DEPT.username, PHONE, DEPT.password);
    const { page } = w;
    await page.waitForURL(/\/my/);
    await check(w, 'my-assigned-phone');
    const row = (title: string) => page.locator(`li[data-task-id="${ids[title]}"]`);
    // Each row says its deadline and what is owed next.
    expect(await row('落实医疗机构功能定位').getByTestId('due').textContent()).toContain('无完成时限');
    expect(await row('紧密型医共体').getByTestId('next').textContent()).toContain('签收任务');
    await page.getByLabel('选择：紧密型医共体').check();
    await page.getByLabel('选择：松散型医共体').check();
    await page.getByLabel('选择：落实医疗机构功能定位').check();
    await page.getByRole('button', { name: '签收所选（3 项）' }).click();
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await expect
      .poll(() => page.locator('[data-testid=action-result] [role=status]').textContent(), { timeout: 20_000 })
      .toContain('已签收 3 项任务');
    await expect.poll(() => row('紧密型医共体').getByTestId('next').textContent()).toContain('报送进展');
    // One more, in place.
    await row('远程医疗协作网').getByRole('button', { name: '办理：远程医疗协作网' }).click();
    expect(await act(page, '签收任务', '签收')).toContain('已签收');
    await check(w, 'my-acknowledged-phone');

    // The report with an indicator value saves (it used to hang on "正在提交…").
    await page.goto(`${app.url}/tasks/${ids['紧密型医共体']}`);
    await page.getByTestId('task-status').waitFor();
    const report = page.getByRole('form', { name: '进展反馈' });
    await report.getByLabel('完成进度（%）').fill('60');
    await report.getByLabel('工作进展').fill('已有 8 所卫生院实施医共体管理。');
    await report
      .getByLabel(/指标实际值/)
      .first()
      .fill('8');
    await report.getByRole('button', { name: '提交进展' }).click();
    await report.getByRole('button', { name: '确认', exact: true }).click();
    await expect
      .poll(() => page.locator('[data-testid=action-result] [role=status]').textContent(), { timeout: 20_000 })
      .toContain('进展已提交');
    await expect
      .poll(() => page.getByRole('region', { name: '目标指标' }).textContent(), { timeout: 20_000 })
      .toContain('8所');
    // No deadline, no extension.
    await page.goto(`${app.url}/tasks/${ids['落实医疗机构功能定位']}`);
    await page.getByTestId('task-status').waitFor();
    await page.getByRole('form', { name: '进展反馈' }).waitFor();
    expect(await page.getByRole('form', { name: '延期申请' }).count()).toBe(0);
    await check(w, 'task-no-deadline-phone');
    await page.goto(`${app.url}/tasks/${ids['松散型医共体']}`);
    await page.getByTestId('task-status').waitFor();
    extendedTo = isoDay(Date.now() + 120 * DAY);
    expect(
      await act(page, '延期申请', '申请延期', { 申请延至: extendedTo, 延期理由: '乡镇卫生院改造工期顺延。' }),
    ).toContain('延期申请已提交');
    await page.goto(`${app.url}/tasks/${ids['紧密型医共体']}`);
    await page.getByTestId('task-status').waitFor();
    expect(await act(page, '办结申请', '申请办结', { 办结情况说明: '10 所卫生院均已实施医共体管理。' })).toContain(
      '办结申请已提交',
    );
    await check(w, 'task-closure-requested-phone');
    await w.close();
  }, 120_000);

  it('office decides the extension and the closure', async () => {
    const w = await watched('office', DESKTOP);
    const { page } = w;
    await page.goto(`${app.url}/tasks/${ids['松散型医共体']}`);
    await page.getByTestId('task-status').waitFor();
    expect(await act(page, `延期申请审批（申请延至 ${extendedTo}）`, '同意延期')).toContain('已同意延期');
    await page.goto(`${app.url}/tasks/${ids['紧密型医共体']}`);
    await page.getByTestId('task-status').waitFor();
    // The office ticks 事实清楚, 问题解决, 资料齐全 before it may approve.
    for (const box of ['事实清楚', '问题解决', '资料齐全'])
      await page.getByRole('form', { name: '审核办结：通过' }).getByLabel(box).check();
    expect(await act(page, '审核办结：通过', '审核通过（销号）')).toContain('已审核通过');
    await check(w, 'task-closed-desktop');

    await w.close();
  }, 90_000);

  it('the supervisor writes a 批示 on a task that is not overdue (every visible task is listed, with filters)', async () => {
    const w = await watched('supervisor', DESKTOP);
    const { page } = w;
    await page.waitForURL(/\/dashboard/);
    await check(w, 'dashboard-supervisor-before-desktop');
    const form = page.getByRole('form', { name: '领导批示' });
    await form.getByLabel('筛选任务（标题关键词）').fill('功能定位');
    await form.getByLabel('批示任务').selectOption({ value: ids['落实医疗机构功能定位']! });
    expect(await act(page, '领导批示', '提交批示', { 批示内容: '请明确完成时限，按季度报送进展。' })).toContain(
      '批示已提交',
    );
    expect(await form.getByLabel('批示内容').inputValue()).toBe('');
    // The dashboard's yellow count (and every light) opens the board filtered to it.
    const yellow = page.getByTestId('total-YELLOW');
    expect(await yellow.evaluate((el) => el.tagName)).toBe('A');
    await yellow.click();
    await page.waitForURL(/\/board\?.*health=YELLOW/);
    await w.close();
  }, 60_000);

  it('office opens a quarterly round from the board (the quarter input is accepted) and closes it', async () => {
    const w = await watched('office', DESKTOP);
    const { page } = w;
    await visit(w, `/rounds?plan=${planId}`, 'rounds-before-desktop');
    await page.getByTestId('next-round').waitFor();
    expect(await page.getByTestId('next-round').textContent()).toMatch(
      /季度督查将在 \d{4}-\d{2}-\d{2} 之后的第一个工作日/,
    );
    const input = page.getByRole('form', { name: '开启季度督查' }).getByLabel('季度（如 2026-Q4）');
    const quarter = await input.inputValue();
    expect(quarter).toMatch(/^\d{4}-Q[1-4]$/);
    // The browser accepts the quarter (the pattern used to refuse even the placeholder) and the server answers.
    expect(await input.evaluate((el: HTMLInputElement) => el.checkValidity())).toBe(true);
    const opened = await act(page, '开启季度督查', '开启');
    // The plan's supervision workflow opens the round it waits for now (openRoundNow).
    expect(opened).toMatch(/季度督查已开启/);
    const round = page.locator('section.round').first();
    if (opened.includes('已开启')) {
      await expect.poll(() => round.getAttribute('data-round-status'), { timeout: 20_000 }).toBe('OPEN');
      const label = ((await round.locator('h3').textContent()) ?? '').replace(/进行中|已结束/g, '').trim();
      expect(await act(page, `结束 ${label}`, '结束本轮并评估')).toContain('本轮已结束');
      await expect.poll(() => round.getAttribute('data-round-status')).toBe('CLOSED');
    }
    await check(w, 'rounds-closed-desktop');
    await w.close();
  }, 60_000);

  it('every page as every role at 1440×900 and 390×844, signed-out deep links included', async () => {
    const T = ids['远程医疗协作网']!;
    const pages: Record<string, [string, string, string?][]> = {
      office: [
        ['/board', 'board'],
        [`/board?plan=${planId}`, 'board-plan'],
        [`/tasks/${T}`, 'task'],
        [`/tasks/${ids['落实医疗机构功能定位']}`, 'task-no-deadline', '无时限'],
        ['/import', 'import'],
        ['/dashboard', 'dashboard'],
        [`/rounds?plan=${planId}`, 'rounds'],
        ['/no-such-page', 'not-found', '页面不存在'],
        ['/tasks/no-such-task', 'task-not-found', '返回任务看板'],
      ],
      [DEPT.username]: [
        ['/my', 'my'],
        ['/board', 'board'],
        [`/tasks/${T}`, 'task'],
        ['/tasks/no-such-task', 'task-not-found', '返回我的任务'],
      ],
      supervisor: [
        ['/dashboard', 'dashboard'],
        ['/board', 'board'],
        [`/rounds?plan=${planId}`, 'rounds'],
        [`/tasks/${T}`, 'task'],
      ],
      admin: [
        ['/admin', 'admin'],
        ['/board', 'board'],
        ['/dashboard', 'dashboard'],
        ['/import', 'import'],
        [`/rounds?plan=${planId}`, 'rounds'],
      ],
    };
    for (const [vp, size] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      for (const [user, list] of Object.entries(pages)) {
        const w = await watched(user, size, user === DEPT.username ? DEPT.password : PASSWORD);
        for (const [route, name, text] of list) await visit(w, route, `walk-${user}-${name}-${vp}`, text);
        if (user === 'office') {
          // The import page previews a pasted plan (the form, once).
          await w.page.goto(`${app.url}/import`);
          await w.page.getByLabel('或粘贴方案全文').fill(PLAN_TEXT);
          await w.page.getByRole('button', { name: '解析预览' }).click();
          await w.page.getByTestId('import-task-count').waitFor({ timeout: 20_000 });
          await check(w, `walk-office-import-preview-${vp}`);
        }
        if (vp === 'phone' && user === 'office') {
          // The board's stacked columns fold away; wide tables say they scroll.
          await w.page.goto(`${app.url}/board?plan=${planId}`);
          await w.page.getByRole('button', { name: '收起「待交办」' }).click();
          await expect.poll(() => w.page.locator('[data-status=DRAFT] article.card').first().isVisible()).toBe(false);
          await check(w, 'walk-office-board-folded-phone');
          await w.page.goto(`${app.url}/dashboard`);
          await w.page.locator('.table-wrap[data-overflow=true]').first().waitFor({ timeout: 10_000 });
          // The menu holds the navigation.
          await w.page.getByRole('button', { name: '菜单' }).click();
          await w.page.getByRole('link', { name: '季度督查' }).waitFor();
          await check(w, 'walk-office-menu-phone');
        }
        await w.close();
      }
      // Signed out, a deep link asks to sign in first and comes back after.
      const anon = await watched(null, size);
      await anon.page.goto(`${app.url}/rounds?plan=${planId}`);
      await anon.page.getByText('请先登录').waitFor();
      await check(anon, `walk-signed-out-${vp}`);
      await anon.page.getByLabel('用户名').fill('office');
      await anon.page.getByLabel('密码').fill(PASSWORD);
      await anon.page.getByRole('button', { name: '登录' }).click();
      await anon.page.waitForURL(new RegExp(`/rounds\\?plan=${planId}`));
      await check(anon, `walk-deep-link-back-${vp}`);
      await anon.close();
    }
    console.log(`[e2e] walk: ${shots} pages checked and photographed in ${WALK_SHOTS}`);
    // Dozens of page changes later, every closed live connection gave its listener back.
    expect(app.output()).not.toContain('MaxListenersExceededWarning');
  }, 300_000);
});
