/**
 * `npm start` for real: a fresh data dir gets the engine, worker, API, board
 * and the demo; a second start on the same data is a no-op that keeps
 * everything (tasks, their workflows in the engine's SQLite file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../support/harness.ts';

const root = path.join(import.meta.dirname, '..', '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-start-'));
let proc: ChildProcess | undefined;

function start(): Promise<{ url: string; output: () => string }> {
  let output = '';
  proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', ENGINE_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  return new Promise((resolve, reject) => {
    proc!.stdout!.on('data', (b: Buffer) => {
      output += b.toString();
      const m = /is running at (http:\/\/[^/\s]+)\//.exec(output);
      if (m && /dept\d\d|Database is up to date/.test(output)) resolve({ url: m[1]!, output: () => output });
    });
    proc!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
}

async function stop(): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc!.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

const gql = (url: string, query: string, token?: string) => postGraphQL(url, query, {}, token);

afterAll(stop);

describe('npm start', () => {
  it('brings up engine, worker, API and board with the demo plan, and a second start keeps everything', async () => {
    const first = await start();
    expect(first.output()).toMatch(/Applied migrations: \d+_init/);
    expect(first.output()).toMatch(/dept01\s+DEPARTMENT\s+市卫健局/);
    const health = await gql(first.url, '{ health { ok temporalReachable sqlite } }');
    expect(health.data.health).toMatchObject({ ok: true, temporalReachable: true });
    const page = await fetch(`${first.url}/`);
    expect(await page.text()).toContain('<div id="app">');
    const login = await gql(
      first.url,
      'mutation { login(username: "dept01", password: "duban-demo") { ... on MutationLoginSuccess { data { token } } } }',
    );
    const token = login.data.login.data.token;
    const mine = await gql(first.url, '{ tasks(first: 100) { totalCount edges { node { status health } } } }', token);
    expect(mine.data.tasks.totalCount).toBeGreaterThan(0);
    // The demo shows a year in progress, played through the workflows: every kind of task an office meets.
    const office = (
      await gql(
        first.url,
        'mutation { login(username: "office", password: "duban-demo") { ... on MutationLoginSuccess { data { token } } } }',
      )
    ).data.login.data.token;
    const all = await gql(first.url, '{ tasks(first: 100) { edges { node { status health } } } }', office);
    const nodes = all.data.tasks.edges.map((e: any) => e.node);
    expect(new Set(nodes.map((n: any) => n.status))).toEqual(new Set(['IN_PROGRESS', 'CLOSURE_REQUESTED', 'CLOSED']));
    expect(new Set(nodes.map((n: any) => n.health))).toEqual(new Set(['GREEN', 'YELLOW', 'RED', null]));
    // The quarter just past is closed and ranked by its supervision workflow, which runs on its own: give it time.
    const closedRound = async () =>
      (
        await gql(first.url, '{ supervisionRounds { status evaluation { rank } } }', office)
      ).data.supervisionRounds.some((r: any) => r.status === 'CLOSED' && r.evaluation.length > 0);
    const until = Date.now() + 60_000;
    while (!(await closedRound()) && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
    expect(await closedRound()).toBe(true);
    const inbox = await gql(first.url, '{ notifications(unreadOnly: true) { title } }', token);
    expect(inbox.data.notifications.length).toBeGreaterThan(0);
    await stop();

    const second = await start();
    expect(second.output()).toContain('Database is up to date.');
    expect(second.output()).not.toMatch(/Demo plan imported/);
    const again = await gql(second.url, '{ tasks(first: 100) { totalCount } }', token);
    expect(again.data.tasks.totalCount).toBe(mine.data.tasks.totalCount);
    // The workflows survived the restart in the engine's file: a command still reaches them.
    const open = await gql(
      second.url,
      '{ tasks(first: 100, filter: { status: [IN_PROGRESS] }) { edges { node { taskId leadDepartment { name } } } } }',
      token,
    );
    const taskId = open.data.tasks.edges.find((e: any) => e.node.leadDepartment?.name === '市卫健局').node.taskId;
    const report = await gql(
      second.url,
      `mutation { submitProgressReport(taskId: "${taskId}", progress: 66, narrative: "重启后继续推进") { __typename ... on MutationSubmitProgressReportSuccess { data { progress } } ... on DubanError { code message } } }`,
      token,
    );
    expect(report.data.submitProgressReport).toEqual({
      __typename: 'MutationSubmitProgressReportSuccess',
      data: { progress: 66 },
    });
  }, 180_000);
});
