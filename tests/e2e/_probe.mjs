import { chromium } from 'playwright-core';
const url = 'http://127.0.0.1:3101';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(url + '/login');
await page.getByLabel('用户名').fill('supervisor');
await page.getByLabel('密码').fill('duban-e2e-pass');
await page.getByRole('button', { name: '登录' }).click();
await page.waitForTimeout(2500);
console.log(await page.evaluate(() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.bottom > 2500) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.top) + '-' + Math.round(r.bottom));
  }
  return document.documentElement.scrollHeight + '\n' + out.slice(0, 15).join('\n');
}));
await browser.close();
