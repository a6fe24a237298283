/**
 * Browser-test plumbing: the app as a child process on a fresh data dir (with its
 * GraphQL API for setting the scene), Debian's Chromium through playwright-core,
 * signing in, submitting a task's action forms, and screenshots of every page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { testServiceConnection } from '../../runtime/temporal.ts';
import { PASSWORD } from './app.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
export const SHOTS = path.join(here, 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };

export interface RunningApp {
  url: string;
  dataDir: string;
  /** Set when started with E2E_TEST_CLOCK=1: the engine's virtual clock can be moved. */
  engineAddress?: string;
  /** Everything the app process printed so far (stdout and stderr). */
  output(): string;
  /** A GraphQL operation as the user of the session `token` (none when empty): its data; GraphQL errors throw. */
  gql<T>(token: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Sign in through the API: the session token. */
  login(username: string, password?: string): Promise<string>;
  stop(): Promise<void>;
}

async function gql<T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function login(url: string, username: string, password = PASSWORD): Promise<string> {
  const d = await gql<{ login: { data: { token: string } } }>(
    url,
    '',
    `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { ... on MutationLoginSuccess { data { token } } } }`,
    { u: username, p: password },
  );
  return d.login.data.token;
}

/**
 * Move the test engine's virtual clock forward (timers in between fire, in order).
 * Observed: a second move after tasks have closed sometimes never returns (the
 * engine does not become idle), so the story moves the clock once.
 */
export async function advanceClock(engineAddress: string, ms: number, timeoutMs = 60_000): Promise<void> {
  const connection = await testServiceConnection(engineAddress);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      connection.testService!.unlockTimeSkippingWithSleep({
        duration: { seconds: Math.floor(ms / 1000) as never, nanos: (ms % 1000) * 1e6 },
      }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `the engine's clock did not advance ${Math.round(ms / 86_400_000)} days within ${timeoutMs / 1000} s`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await connection.close();
  }
}

export async function engineNow(engineAddress: string): Promise<Date> {
  const connection = await testServiceConnection(engineAddress);
  try {
    const r = await connection.testService!.getCurrentTime({});
    return new Date(Number(r.time!.seconds) * 1000 + Math.floor((r.time!.nanos ?? 0) / 1e6));
  } finally {
    await connection.close();
  }
}

/** Start tests/e2e/app.ts as a child process and wait for its URL. */
export async function startAppProcess(env: Record<string, string> = {}, logName = 'app'): Promise<RunningApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-e2e-'));
  const child: ChildProcess = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(here, 'app.ts')], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  let log = '';
  let engineAddress: string | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start in 90 s:\n${log.slice(-3000)}`)), 90_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      engineAddress ??= /\[e2e\] ENGINE (\S+)/.exec(log)?.[1];
      const m = /\[e2e\] READY (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    // The app's output, for when a step fails (screenshots/ is gitignored).
    fs.mkdirSync(SHOTS, { recursive: true });
    const out = fs.createWriteStream(path.join(SHOTS, `${logName}.log`));
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code}:\n${log.slice(-3000)}`));
    });
  });
  return {
    url,
    dataDir,
    ...(engineAddress ? { engineAddress } : {}),
    output: () => log,
    gql: (token, query, variables) => gql(url, token, query, variables),
    login: (username, password) => login(url, username, password),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newUserPage(
  browser: Browser,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

export async function signIn(page: Page, url: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('signed-in-as').waitFor({ state: 'attached' });
}

/**
 * Fill a form (by its accessible name), press `button`, confirm, and return the
 * text of `result`: by default the success above a task's actions or the form's
 * own status or error banner.
 */
export async function act(
  page: Page,
  form: string,
  button: string,
  fill: Record<string, string> = {},
  result = (f: Locator) =>
    page.locator('[data-testid=action-result] [role=status]').or(f.locator('[role=status], [role=alert]')),
): Promise<string> {
  const f = page.getByRole('form', { name: form });
  for (const [label, value] of Object.entries(fill)) await f.getByLabel(label, { exact: true }).fill(value);
  await f.getByRole('button', { name: button, exact: true }).click();
  await f.getByRole('button', { name: '确认', exact: true }).click();
  const shown = result(f);
  await shown.first().waitFor({ timeout: 20_000 });
  return (await shown.first().textContent()) ?? '';
}

export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}
