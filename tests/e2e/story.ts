/**
 * The command half of the browser story (every step is a Temporal Update on the
 * task's workflow): the office assigns from the board card; the department, on
 * a phone, acknowledges and reports (the form pre-fills from the last report);
 * the engine's virtual clock moves past the deadline and ten working days more:
 * the card turns red on the open board (live) and the supervisor finds the
 * level-3 alert; a supervisor writes an instruction; the department answers a
 * 督办单 and the office closes it; the round closes with its 通报; the department requests
 * closure, the office returns it once and then approves it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, act, advanceClock, engineNow, newUserPage, shot, signIn } from './browser.ts';

const TITLE = '远程医疗协作网';
const DAY = 86_400_000;
const isoDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/** act() on a 督办单's form, whose result is said above the orders (the form goes once the order changes). */
const actOrder = (page: Page, form: string, button: string, fill: Record<string, string> = {}): Promise<string> =>
  act(page, form, button, fill, (f) =>
    page.locator('[data-testid=order-result] [role=status]').or(f.locator('[role=alert]')),
  );

async function statusOf(page: Page): Promise<string> {
  return (await page.getByTestId('task-status').textContent()) ?? '';
}

export async function runCommandStory(
  browser: Browser,
  url: string,
  engineAddress: string,
  planId: string,
  dept: { username: string; password: string },
): Promise<void> {
  const started = Date.now();
  const mark = (step: string) => console.log(`[e2e] story: ${step} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const due = isoDay(new Date((await engineNow(engineAddress)).getTime() + 10 * DAY));
  // Office assigns from the card.
  const office = await newUserPage(browser, DESKTOP);
  await signIn(office.page, url, 'office');
  await office.page.goto(`${url}/board?plan=${planId}`);
  const card = office.page.locator('article.card', { hasText: TITLE });
  await card.getByRole('button', { name: `交办：${TITLE}` }).click();
  expect(await card.getByLabel('牵头单位').locator('option:checked').textContent()).toBe('市中心医院');
  await card.getByLabel('完成时限').fill(due);
  await shot(office.page, 'board-assign-desktop', false);
  await card.getByRole('button', { name: '交办', exact: true }).click();
  await card.getByRole('button', { name: '确认', exact: true }).click();
  const taskId = await card.getAttribute('data-task-id');
  await expect
    .poll(() => office.page.locator('[data-status="ASSIGNED"] article.card', { hasText: TITLE }).count(), {
      timeout: 20_000,
    })
    .toBe(1);
  await shot(office.page, 'board-assigned-desktop', false);

  mark('assigned');
  // The department, on a phone: acknowledge, then report.
  const d = await newUserPage(browser, PHONE);
  await signIn(d.page, url, dept.username, dept.password);
  await d.page.waitForURL(/\/my/);
  const item = d.page.locator(`li[data-task-id="${taskId}"]`);
  await expect.poll(() => item.textContent()).toContain('待签收');
  await shot(d.page, 'my-tasks-assigned-phone');
  // Acknowledge right in the workspace, then open the task for the report.
  await item.getByRole('button', { name: `办理：${TITLE}` }).click();
  expect(await act(d.page, '签收任务', '签收')).toContain('已签收');
  await expect.poll(() => item.locator('.badge').first().textContent()).toBe('推进中');
  await shot(d.page, 'my-tasks-acknowledged-phone');
  await item.getByRole('link', { name: TITLE }).click();
  await expect.poll(() => statusOf(d.page)).toBe('推进中');
  const narrative = '已与 3 家乡镇卫生院签订远程会诊协议，远程心电中心试运行。';
  expect(
    await act(d.page, '进展反馈', '提交进展', {
      '完成进度（%）': '40',
      工作进展: narrative,
      存在问题: '专线网络尚未全部开通',
      下一步计划: '6 月底前覆盖全部乡镇卫生院',
    }),
  ).toContain('进展已提交');
  await expect.poll(() => d.page.getByText(narrative).count()).toBeGreaterThan(0);
  // The next report starts from this one.
  await d.page.reload();
  await expect
    .poll(() => d.page.getByRole('form', { name: '进展反馈' }).getByLabel('工作进展').inputValue())
    .toBe(narrative);
  expect(await d.page.getByRole('form', { name: '进展反馈' }).getByLabel('完成进度（%）').inputValue()).toBe('40');
  // 序时进度: the bar carries the progress expected today, beside what was reported.
  await expect.poll(() => d.page.getByTestId('expected-progress').textContent()).toMatch(/^序时进度 \d+(\.\d)?%$/);
  expect(await d.page.getByTestId('expected-mark').count()).toBe(1);
  await shot(d.page, 'task-reported-phone');

  mark('reported');
  // The clock moves past the deadline, ten working days more and the quarter's end (one move: see advanceClock):
  // the card turns red on the board the office has open, and the supervisor is alerted.
  await office.page.goto(`${url}/board?plan=${planId}`);
  const live = office.page.locator(`article.card[data-task-id="${taskId}"]`);
  expect(await live.getAttribute('data-health')).toBe('GREEN');
  const quarterEnd = new Date(
    Date.UTC(
      Number(due.slice(0, 4)) + (Number(due.slice(5, 7)) > 9 ? 1 : 0),
      (Math.floor((Number(due.slice(5, 7)) - 1) / 3) * 3 + 3) % 12,
      1,
    ),
  );
  const target = Math.max(new Date(`${due}T00:00:00+08:00`).getTime() + 25 * DAY, quarterEnd.getTime() + 9 * DAY);
  await advanceClock(engineAddress, target - (await engineNow(engineAddress)).getTime());
  await expect.poll(() => live.getAttribute('data-health'), { timeout: 20_000 }).toBe('RED');
  await expect.poll(() => live.textContent(), { timeout: 20_000 }).toContain('三级约谈通报');
  await shot(office.page, 'board-red-desktop', false);

  mark('clock advanced, card red');
  // A supervisor writes an instruction.
  const sup = await newUserPage(browser, DESKTOP);
  await signIn(sup.page, url, 'supervisor');
  await sup.page.waitForURL(/\/dashboard/);
  const alerts = sup.page.getByRole('region', { name: /督办提醒/ }).first();
  // Level 3 is a numbered 督办单: its number is in the alert.
  await expect
    .poll(() => alerts.textContent(), { timeout: 20_000 })
    .toMatch(new RegExp(`【督办·约谈/通报】督办单〔\\d{4}〕\\d+号 ${TITLE}`));
  await expect
    .poll(() =>
      sup.page
        .getByRole('region', { name: /逾期任务/ })
        .first()
        .textContent(),
    )
    .toContain(TITLE);
  await shot(sup.page, 'dashboard-alert-desktop');
  await sup.page.goto(`${url}/tasks/${taskId}`);
  // The light history says when the task turned red, and why.
  await expect
    .poll(() => sup.page.getByTestId('light-history').textContent(), { timeout: 20_000 })
    .toContain('已超过完成时限');
  expect(await act(sup.page, '领导批示', '提交批示', { 批示内容: '请加快专线建设，月底前报进展。' })).toContain(
    '批示已提交',
  );
  await expect.poll(() => sup.page.getByText('请加快专线建设，月底前报进展。').count()).toBeGreaterThan(0);

  mark('supervisor alerted, instruction written');
  // Levels 2 and 3 were formal: two numbered 督办单. The department answers the newest on its phone,
  // downloads its 督办通知书, and the office closes it.
  await d.page.reload();
  const orders = d.page.getByTestId('order');
  await expect.poll(() => orders.count(), { timeout: 20_000 }).toBe(2);
  const number = ((await orders.first().locator('header b').textContent()) ?? '').trim();
  expect(number).toMatch(/^〔\d{4}〕2号$/);
  expect(await orders.first().textContent()).toContain('待答复');
  const [orderDoc] = await Promise.all([
    d.page.waitForEvent('download'),
    orders.first().getByRole('link', { name: '下载督办通知书（.docx）' }).click(),
  ]);
  expect(orderDoc.suggestedFilename()).toBe(`督办通知书${number}.docx`);
  await shot(d.page, 'task-orders-phone');
  expect(
    await actOrder(d.page, `答复督办单 ${number}`, '提交答复', { 办理情况: '已协调电信部门，专线6月15日前全部开通。' }),
  ).toContain('答复已提交');
  await expect.poll(() => orders.first().locator('.badge').textContent()).toBe('已答复');
  await office.page.goto(`${url}/tasks/${taskId}`);
  expect(await actOrder(office.page, `督办单 ${number} 销号`, '销号')).toContain('督办单已销号');
  await expect.poll(() => office.page.getByTestId('order').first().locator('.badge').textContent()).toBe('已销号');
  expect(await office.page.getByTestId('assignment-doc').count()).toBe(1);
  await shot(office.page, 'task-orders-desktop');
  mark('督办单 answered and closed');
  // The clock is past the quarter's end too: the round opened by itself; the office closes it and gets the evaluation and its export.
  await office.page.goto(`${url}/rounds?plan=${planId}`);
  const round = office.page.locator('section.round').first();
  await expect.poll(() => round.getAttribute('data-round-status'), { timeout: 20_000 }).toBe('OPEN');
  const label = ((await round.locator('h3').textContent()) ?? '').replace(/进行中|已结束/g, '').trim();
  expect(label).toMatch(/^\d{4}年第[1-4]季度$/);
  await shot(office.page, 'rounds-open-desktop');
  const closeResult = await act(office.page, `结束 ${label}`, '结束本轮并评估');
  expect(closeResult).toContain('本轮已结束');
  await expect.poll(() => round.getAttribute('data-round-status')).toBe('CLOSED');
  await shot(office.page, 'rounds-evaluated-desktop');
  const [download] = await Promise.all([
    office.page.waitForEvent('download'),
    round.getByRole('link', { name: '导出评估表（Excel）' }).click(),
  ]);
  const file = path.join(os.tmpdir(), `duban-e2e-round-${process.pid}.xlsx`);
  await download.saveAs(file);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  fs.rmSync(file, { force: true });
  expect(wb.worksheets[0]!.name).toContain('季度评估');
  const [bulletin] = await Promise.all([
    office.page.waitForEvent('download'),
    round.getByTestId('bulletin-docx').click(),
  ]);
  expect(bulletin.suggestedFilename()).toBe('督查通报.docx');
  expect(await round.getByTestId('score-breakdown').count()).toBeGreaterThan(0);
  mark('round closed and exported');

  // Closure: requested, returned once, requested again, approved.
  expect(await act(d.page, '办结申请', '申请办结', { 办结情况说明: '远程医疗协作网已覆盖全部乡镇卫生院。' })).toContain(
    '办结申请已提交',
  );
  await expect.poll(() => statusOf(d.page)).toBe('待审核');

  mark('closure requested');
  await office.page.goto(`${url}/tasks/${taskId}`);
  await expect.poll(() => statusOf(office.page)).toBe('待审核');
  expect(await act(office.page, '审核办结：退回', '退回修改', { 退回理由: '请补充乡镇卫生院签约清单。' })).toContain(
    '已退回',
  );
  await expect.poll(() => statusOf(office.page)).toBe('推进中');
  await shot(office.page, 'task-returned-desktop');

  mark('closure returned');
  await d.page.reload();
  mark('department page reloaded');
  await expect.poll(() => statusOf(d.page)).toBe('推进中');
  expect(
    await act(d.page, '办结申请', '申请办结', { 办结情况说明: '已补充签约清单，全部 12 家乡镇卫生院接入。' }),
  ).toContain('办结申请已提交');

  mark('closure requested again');
  await office.page.reload();
  await expect.poll(() => statusOf(office.page)).toBe('待审核');
  // The office ticks 事实清楚, 问题解决, 资料齐全 before it may approve.
  for (const box of ['事实清楚', '问题解决', '资料齐全'])
    await office.page.getByRole('form', { name: '审核办结：通过' }).getByLabel(box).check();
  expect(await act(office.page, '审核办结：通过', '审核通过（销号）')).toContain('已审核通过');
  await expect.poll(() => statusOf(office.page)).toBe('已办结');
  const timeline = (await office.page.locator('ol.timeline').textContent()) ?? '';
  for (const kind of ['交办', '签收', '进展反馈', '领导批示', '申请办结', '退回办结申请', '审核销号'])
    expect(timeline).toContain(kind);
  await shot(office.page, 'task-closed-desktop');

  mark('closed');
  await d.page.goto(`${url}/my`);
  await shot(d.page, 'my-tasks-after-phone');

  for (const u of [office, d, sup]) {
    expect(u.errors).toEqual([]);
    await u.context.close();
  }
}
