/**
 * The workload of the fault-injection test: several clients sending every
 * kind of task command over GraphQL with bearer tokens, each command carrying
 * a unique marker (in its reason, narrative, summary or text) so that the
 * read model can later be searched for exactly what it did. Every command's
 * outcome is recorded: acknowledged (success union), refused by a rule
 * (nothing applied), or unknown (may have applied: the service was
 * unavailable or the connection broke).
 */

export type Kind =
  | 'assign'
  | 'acknowledge'
  | 'report'
  | 'requestExtension'
  | 'decideExtension'
  | 'requestClosure'
  | 'reviewClosure'
  | 'escalate'
  | 'instruction'
  | 'cancel'
  | 'createTask';

export type Outcome =
  /** The API answered with the success union: the command was applied. */
  | 'ok'
  /** A typed refusal (state, role, input): nothing was applied. */
  | 'rejected'
  /** Nothing listened on the port: the request never reached the API. */
  | 'refused'
  /** TEMPORAL_UNAVAILABLE: it may or may not have applied, but at most once. */
  | 'unavailable'
  /** The connection broke or an unexpected error came back: it may or may not have applied. */
  | 'unknown';

export interface CommandRecord {
  n: number;
  kind: Kind;
  taskId: string;
  marker: string;
  client: string;
  sentAt: number;
  doneAt: number;
  outcome: Outcome;
  code?: string;
  message?: string;
  /** For reports: the indicator values sent. */
  values?: { indicatorId: string; value: number }[];
  /** For createTask: the new task's id. */
  createdTaskId?: string;
}

export interface TaskModel {
  id: string;
  status: string;
  lead: string | null;
  cooperators: string[];
  dueDate: string | null;
  pendingExtension: boolean;
  indicators: string[];
}

export interface Org {
  tokens: Record<string, string>;
  /** departmentId → username of its staff user */
  staff: Record<string, string>;
  departments: string[];
  planId: string;
}

const REFUSALS = new Set([
  'INVALID_STATE',
  'INVALID_INPUT',
  'FORBIDDEN',
  'NOT_LEAD_DEPARTMENT',
  'NOT_INVOLVED',
  'EXTENSION_PENDING',
  'NO_PENDING_EXTENSION',
  'NO_PENDING_CLOSURE',
  'NOT_FOUND',
]);

const TASK_FIELDS = `taskId status dueDate leadDepartment { id } cooperatingDepartments { id }
  extensionRequests { status } indicators { id }`;

export function toModel(t: any): TaskModel {
  return {
    id: t.taskId,
    status: t.status,
    lead: t.leadDepartment?.id ?? null,
    cooperators: (t.cooperatingDepartments ?? []).map((d: { id: string }) => d.id),
    dueDate: t.dueDate ?? null,
    pendingExtension: (t.extensionRequests ?? []).some((x: { status: string }) => x.status === 'PENDING'),
    indicators: (t.indicators ?? []).map((i: { id: string }) => i.id),
  };
}

export interface GqlResult {
  kind: 'answer' | 'refused' | 'broken';
  body?: any;
  error?: string;
}

/** One GraphQL POST, never throwing: the answer, or how the connection failed. */
export async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
  timeoutMs = 60_000,
): Promise<GqlResult> {
  try {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    try {
      return { kind: 'answer', body: JSON.parse(text) };
    } catch {
      return { kind: 'broken', error: `HTTP ${res.status}: ${text.slice(0, 200)}` };
    }
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? '';
    if (code === 'ECONNREFUSED') return { kind: 'refused', error: code };
    return { kind: 'broken', error: `${(err as Error).message} ${code} ${cause?.message ?? ''}`.trim() };
  }
}

const rand = (random: () => number, n: number) => Math.floor(random() * n);
const pick = <T>(random: () => number, xs: readonly T[]): T => xs[rand(random, xs.length)]!;

/** A small deterministic PRNG (mulberry32), so a run can be repeated from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  kind: Kind;
  user: string;
  query: string;
  variables: Record<string, unknown>;
  field: string;
  values?: { indicatorId: string; value: number }[];
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const R = (field: string, args: string, params: string) =>
  `mutation(${params}) { ${field}(${args}) { __typename ... on DubanError { code message }
    ... on ${'Mutation' + field[0]!.toUpperCase() + field.slice(1)}Success { data { ${TASK_FIELDS} } } } }`;

/** A command that makes sense for the task as the client last saw it (it may have changed since). */
function planCommand(
  random: () => number,
  org: Org,
  t: TaskModel,
  marker: string,
  rare: (k: Kind) => boolean,
): Planned | null {
  const lead = t.lead ? org.staff[t.lead] : undefined;
  const weights: [Kind, number][] = [];
  // Kinds not acknowledged yet are favoured, so a short run still exercises every command.
  const add = (k: Kind, w: number) => weights.push([k, rare(k) ? w * 8 : w]);
  switch (t.status) {
    case 'DRAFT':
      add('assign', 1);
      break;
    case 'ASSIGNED':
      add('acknowledge', 6);
      add('report', 2);
      add('assign', 0.7);
      add('escalate', 0.7);
      add('instruction', 0.7);
      add('requestExtension', 0.5);
      add('cancel', 0.1);
      break;
    case 'IN_PROGRESS':
      add('report', 5);
      if (t.pendingExtension) add('decideExtension', 3);
      else add('requestExtension', 1.2);
      add('requestClosure', 1.2);
      add('escalate', 1);
      add('instruction', 1.2);
      add('assign', 0.5);
      add('cancel', 0.1);
      break;
    case 'CLOSURE_REQUESTED':
      add('reviewClosure', 4);
      add('instruction', 0.8);
      add('escalate', 0.5);
      if (t.pendingExtension) add('decideExtension', 1);
      break;
    default:
      return null;
  }
  let r = random() * weights.reduce((s, [, w]) => s + w, 0);
  let kind: Kind = weights[0]![0];
  for (const [k, w] of weights) {
    if ((r -= w) < 0) {
      kind = k;
      break;
    }
  }
  const id = t.id;
  switch (kind) {
    case 'assign': {
      // First assignment keeps the imported lead; a reassignment sometimes moves the task or its deadline.
      const move = t.status !== 'DRAFT' && random() < 0.4;
      const leadId = move || !t.lead ? pick(random, org.departments) : t.lead;
      const others = org.departments.filter((d) => d !== leadId);
      const coop = random() < 0.7 ? [pick(random, others)] : [];
      const due = addDays('2027-06-30', rand(random, 300));
      return {
        kind,
        user: 'office',
        field: 'assignTask',
        query: R(
          'assignTask',
          'taskId: $t, leadDepartmentId: $l, cooperatingDepartmentIds: $c, dueDate: $d, reason: $m',
          '$t: ID!, $l: ID!, $c: [ID!], $d: String, $m: String',
        ),
        variables: { t: id, l: leadId, c: coop, d: due, m: marker },
      };
    }
    case 'acknowledge':
      if (!lead) return null;
      return {
        kind,
        user: lead,
        field: 'acknowledgeTask',
        query: R('acknowledgeTask', 'taskId: $t', '$t: ID!'),
        variables: { t: id },
      };
    case 'report': {
      const contributor = t.cooperators.length && random() < 0.25 ? org.staff[pick(random, t.cooperators)] : lead;
      if (!contributor) return null;
      const values = t.indicators.map((indicatorId) => ({ indicatorId, value: rand(random, 1000) / 10 }));
      return {
        kind,
        user: contributor,
        field: 'submitProgressReport',
        query: R(
          'submitProgressReport',
          'taskId: $t, progress: $p, narrative: $m, indicatorValues: $v',
          '$t: ID!, $p: Int!, $m: String!, $v: [IndicatorValueInput!]',
        ),
        variables: { t: id, p: rand(random, 100), m: marker, v: values },
        values,
      };
    }
    case 'requestExtension':
      if (!lead) return null;
      return {
        kind,
        user: lead,
        field: 'requestExtension',
        query: R('requestExtension', 'taskId: $t, newDueDate: $d, reason: $m', '$t: ID!, $d: String!, $m: String!'),
        variables: { t: id, d: addDays(t.dueDate ?? '2027-12-31', 10 + rand(random, 60)), m: marker },
      };
    case 'decideExtension':
      return {
        kind,
        user: 'office',
        field: 'decideExtension',
        query: R('decideExtension', 'taskId: $t, approve: $a, comment: $m', '$t: ID!, $a: Boolean!, $m: String'),
        variables: { t: id, a: random() < 0.6, m: marker },
      };
    case 'requestClosure':
      if (!lead) return null;
      return {
        kind,
        user: lead,
        field: 'requestClosure',
        query: R('requestClosure', 'taskId: $t, summary: $m', '$t: ID!, $m: String!'),
        variables: { t: id, m: marker },
      };
    case 'reviewClosure':
      return {
        kind,
        user: 'office',
        field: 'reviewClosure',
        query: R(
          'reviewClosure',
          'taskId: $t, approve: $a, comment: $m, checklist: { factsClear: true, problemSolved: true, materialsComplete: true }',
          '$t: ID!, $a: Boolean!, $m: String',
        ),
        variables: { t: id, a: random() < 0.3, m: marker },
      };
    case 'escalate':
      return {
        kind,
        user: 'office',
        field: 'escalateTask',
        query: R('escalateTask', 'taskId: $t, level: $l, reason: $m', '$t: ID!, $l: Int, $m: String!'),
        variables: { t: id, l: 1 + rand(random, 3), m: marker },
      };
    case 'instruction':
      return {
        kind,
        user: 'supervisor',
        field: 'addInstruction',
        query: R('addInstruction', 'taskId: $t, text: $m', '$t: ID!, $m: String!'),
        variables: { t: id, m: marker },
      };
    case 'cancel':
      return {
        kind,
        user: 'office',
        field: 'cancelTask',
        query: R('cancelTask', 'taskId: $t, reason: $m', '$t: ID!, $m: String!'),
        variables: { t: id, m: marker },
      };
    default:
      return null;
  }
}

export interface Workload {
  records: CommandRecord[];
  tasks: Map<string, TaskModel>;
  stop(): Promise<void>;
}

/**
 * Run `clients` concurrent command loops against `url()` (the current main
 * process) until stopped. Open tasks are topped up with createTask when
 * fewer than `minOpen` remain.
 */
export function runWorkload(opts: {
  url: () => string;
  org: Org;
  tasks: TaskModel[];
  clients: number;
  seed: number;
  minOpen: number;
  thinkMs?: number;
}): Workload {
  const records: CommandRecord[] = [];
  const tasks = new Map(opts.tasks.map((t) => [t.id, t]));
  let n = 0;
  let stopped = false;
  const random = prng(opts.seed);
  const acked = new Set<Kind>();
  const open = () => [...tasks.values()].filter((t) => !['CLOSED', 'CANCELLED'].includes(t.status));

  async function refresh(taskId: string) {
    const r = await gql(
      opts.url(),
      `query($t: ID!) { task(id: $t) { ${TASK_FIELDS} } }`,
      { t: taskId },
      opts.org.tokens.office,
    );
    const t = r.kind === 'answer' ? r.body?.data?.task : null;
    if (t) tasks.set(taskId, toModel(t));
  }

  async function createTask(client: string) {
    const marker = `fault#${++n} createTask`;
    const sentAt = Date.now();
    const r = await gql(
      opts.url(),
      `mutation($p: ID!, $m: String!) { createTask(planId: $p, title: $m) { __typename
        ... on DubanError { code message } ... on MutationCreateTaskSuccess { data { ${TASK_FIELDS} } } } }`,
      { p: opts.org.planId, m: marker },
      opts.org.tokens.office,
    );
    const rec: CommandRecord = {
      n,
      kind: 'createTask',
      taskId: '',
      marker,
      client,
      sentAt,
      doneAt: Date.now(),
      outcome: 'unknown',
    };
    classify(rec, r, 'createTask');
    const created = r.body?.data?.createTask?.data;
    if (created) {
      rec.taskId = created.taskId;
      rec.createdTaskId = created.taskId;
      tasks.set(created.taskId, toModel(created));
    }
    records.push(rec);
  }

  function classify(rec: CommandRecord, r: GqlResult, field: string) {
    if (r.kind === 'refused') {
      rec.outcome = 'refused';
      rec.message = r.error;
      return;
    }
    if (r.kind === 'broken') {
      rec.outcome = 'unknown';
      rec.message = r.error;
      return;
    }
    const answer = r.body?.data?.[field];
    if (answer?.__typename?.endsWith('Success')) {
      rec.outcome = 'ok';
    } else if (answer?.__typename === 'DubanError') {
      rec.code = answer.code;
      rec.message = answer.message;
      rec.outcome =
        answer.code === 'TEMPORAL_UNAVAILABLE' ? 'unavailable' : REFUSALS.has(answer.code) ? 'rejected' : 'unknown';
    } else {
      const e = r.body?.errors?.[0];
      rec.code = e?.extensions?.code;
      rec.message = e?.message;
      rec.outcome = REFUSALS.has(rec.code ?? '') ? 'rejected' : 'unknown';
    }
  }

  async function loop(client: string) {
    while (!stopped) {
      const candidates = open();
      if (candidates.length < opts.minOpen && random() < 0.5) {
        await createTask(client);
        continue;
      }
      if (!candidates.length) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const t = pick(random, candidates);
      const marker = `fault#${++n}`;
      const p = planCommand(random, opts.org, t, marker, (k) => !acked.has(k));
      if (!p) continue;
      const rec: CommandRecord = {
        n,
        kind: p.kind,
        taskId: t.id,
        marker,
        client,
        sentAt: Date.now(),
        doneAt: 0,
        outcome: 'unknown',
        ...(p.values ? { values: p.values } : {}),
      };
      const r = await gql(opts.url(), p.query, p.variables, opts.org.tokens[p.user]);
      rec.doneAt = Date.now();
      classify(rec, r, p.field);
      records.push(rec);
      if (rec.outcome === 'ok') {
        acked.add(rec.kind);
        tasks.set(t.id, toModel(r.body.data[p.field].data));
      } else if (rec.outcome === 'rejected') {
        await refresh(t.id);
      } else {
        // The service is down or restarting: back off a little.
        await new Promise((res) => setTimeout(res, 100));
        if (rec.outcome !== 'refused') await refresh(t.id);
      }
      if (opts.thinkMs) await new Promise((res) => setTimeout(res, opts.thinkMs));
    }
  }

  const loops = Array.from({ length: opts.clients }, (_, i) => loop(`client${i + 1}`));
  return {
    records,
    tasks,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
