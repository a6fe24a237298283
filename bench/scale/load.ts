// The scale benchmark's API clients: GraphQL over HTTP, the board/dashboard/report queries, one client and 20 mixed ones.
import { performance } from 'node:perf_hooks';
import type { SavedPlan } from '../../services/plans.ts';
import { TASK_PAGE } from '../../web/src/lib/taskDetail.ts';
import { CARD_FIELDS } from '../../web/src/lib/tasks.ts';
import { lat, pct } from './proc.ts';
import { DEPARTMENTS, type Users } from './tasks.ts';

export async function gql(url: string, query: string, token: string, variables?: object): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors[0]!.message}`);
  return body.data;
}

const boardQuery = `query ($filter: TaskFilter) {
  plans { id title }
  departments { id name }
  tasks(filter: $filter, first: 500) { edges { node { ${CARD_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
const dashboardQuery = `query ($plan: ID) {
  dashboard(planId: $plan) {
    departments { name department { id } total green yellow red draft assigned inProgress closureRequested closed }
    overdue { ${CARD_FIELDS} }
    ranking { rank score onTimeRate department { name } }
    latestRound { label }
  }
}`;
const reportMutation = `mutation ($taskId: ID!, $progress: Int!) {
  submitProgressReport(taskId: $taskId, progress: $progress, narrative: "按计划推进") {
    ... on DubanError { code message } ... on MutationSubmitProgressReportSuccess { data { taskId status } }
  }
}`;
export const ackMutation = `mutation ($taskId: ID!) {
  acknowledgeTask(taskId: $taskId) { ... on DubanError { code message } ... on MutationAcknowledgeTaskSuccess { data { taskId status } } }
}`;

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const s = performance.now();
  await fn();
  return performance.now() - s;
}

/** One client: the board (a department's page of cards, as the office filters it) and the dashboard. */
export async function singleClient(url: string, users: Users, saved: SavedPlan, requests: number) {
  const depts = [...users.department.keys()];
  const board: number[] = [];
  const boardAll: number[] = [];
  const dashboard: number[] = [];
  for (let i = 0; i < requests; i++) {
    const filter = { departmentId: depts[i % depts.length] };
    board.push(await timed(() => gql(url, boardQuery, users.office, { filter })));
  }
  for (let i = 0; i < Math.max(10, requests / 5); i++) {
    boardAll.push(await timed(() => gql(url, boardQuery, users.office, { filter: {} })));
  }
  for (let i = 0; i < requests; i++) {
    dashboard.push(await timed(() => gql(url, dashboardQuery, users.office, { plan: saved.planId })));
  }
  return { boardDepartmentPage500: lat(board), boardFirstPage500: lat(boardAll), dashboard: lat(dashboard) };
}

/** 20 clients, mixed: board, task detail (the page's query and its pending notices), dashboard, report submit. */
export async function mixedClients(url: string, users: Users, saved: SavedPlan, durationMs: number, clients = 20) {
  const kinds = ['board', 'taskDetail', 'dashboard', 'report'] as const;
  const times: Record<(typeof kinds)[number], number[]> = { board: [], taskDetail: [], dashboard: [], report: [] };
  const all: number[] = [];
  let errors = 0;
  const firstError: string[] = [];
  const depts = [...users.department.keys()];
  const until = performance.now() + durationMs;
  let seq = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let k = c; performance.now() < until; k++) {
        const kind = kinds[k % kinds.length]!;
        const t = saved.tasks[(seq++ * 7919) % saved.tasks.length]!;
        const run = async () => {
          if (kind === 'board')
            await gql(url, boardQuery, users.office, { filter: { departmentId: depts[k % DEPARTMENTS] } });
          else if (kind === 'dashboard') await gql(url, dashboardQuery, users.office, { plan: saved.planId });
          else if (kind === 'taskDetail') await gql(url, TASK_PAGE, users.office, { id: t.id });
          else {
            const d = await gql(url, reportMutation, users.department.get(t.leadDepartmentId!)!, {
              taskId: t.id,
              progress: 10 + (k % 80),
            });
            if (d.submitProgressReport.code) throw new Error(d.submitProgressReport.message);
          }
        };
        const s = performance.now();
        try {
          await run();
        } catch (err) {
          errors++;
          if (firstError.length < 3) firstError.push(`${kind}: ${(err as Error).message}`);
        }
        const ms = performance.now() - s;
        times[kind].push(ms);
        all.push(ms);
      }
    }),
  );
  const wall = performance.now() - started;
  return {
    clients,
    requests: all.length,
    requestsPerSecond: Math.round((all.length / wall) * 1000),
    p95Ms: pct(all, 95),
    byKind: Object.fromEntries(kinds.map((k) => [k, lat(times[k])])),
    errors,
    firstErrors: firstError,
  };
}
