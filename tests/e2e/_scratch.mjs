import { chromium } from 'playwright-core';
const url = process.env.URL ?? 'http://127.0.0.1:3101';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await ctx.newPage();
page.on('console', (m) => console.log('[console]', m.type(), m.text()));
page.on('pageerror', (e) => console.log('[pageerror]', e.message));
await page.goto(url + '/');
await page.getByLabel('用户名').fill(process.env.U ?? 'office');
await page.getByLabel('密码').fill('duban-e2e-pass');
const t0 = Date.now();
await page.getByRole('button', { name: '登录' }).click();
await page.waitForSelector('[data-testid=board-count]');
console.log('board after', Date.now() - t0, 'ms', await page.getAttribute('[data-testid=board-count]', 'data-rendered-ms'));
await page.screenshot({ path: 'tests/e2e/screenshots/scratch-board.png' });
for (const p of (process.env.PAGES ?? '').split(',').filter(Boolean)) {
  await page.goto(url + p);
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `tests/e2e/screenshots/scratch-${p.replace(/\W+/g, '_')}.png`, fullPage: true });
}
await browser.close();
