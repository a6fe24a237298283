/**
 * The invariants the fault-injection test checks once the workload has
 * stopped: every acknowledged command applied exactly once, nothing applied
 * twice, the read model equal to each workflow's state, notices and their
 * deliveries keyed (none doubled), every workflow answering a query.
 */
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../prisma/client.ts';
import { stateQuery } from '../../workflows/definitions.ts';
import type { TaskState } from '../../workflows/types.ts';
import type { ReceivedMail } from '../support/harness.ts';
import type { CommandRecord } from './workload.ts';

export interface Verdict {
  problems: string[];
  figures: {
    tasks: number;
    openWorkflows: number;
    acknowledged: number;
    maybeApplied: number;
    maybeAppliedAndApplied: number;
    lost: number;
    duplicated: number;
    appliedWhenRefused: number;
    mismatchedTasks: number;
    notices: number;
    notifications: number;
    emailsReceived: number;
    emailsResentAfterCrash: number;
    webhooksReceived: number;
    queryMs: { max: number; median: number };
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The command's footprint: the rows it leaves, counted by its unique marker. */
function footprints(
  rec: CommandRecord,
  idx: {
    eventsByReason: Map<string, { taskId: string; seq: number; kind: string }[]>;
    reportsByNarrative: Map<
      string,
      { id: string; taskId: string; seq: number; actuals: { value: number; indicatorId: string }[] }[]
    >;
    tasksByTitle: Map<string, string[]>;
  },
): number {
  if (rec.kind === 'report') return idx.reportsByNarrative.get(rec.marker)?.length ?? 0;
  if (rec.kind === 'createTask') return idx.tasksByTitle.get(rec.marker)?.length ?? 0;
  return idx.eventsByReason.get(rec.marker)?.length ?? 0;
}

export async function verify(opts: {
  prisma: PrismaClient;
  client: Client;
  records: CommandRecord[];
  mails: ReceivedMail[];
  webhooks: { body: any; headers: Record<string, string | string[] | undefined> }[];
}): Promise<Verdict> {
  const { prisma, client, records } = opts;
  const problems: string[] = [];
  const tasks = await prisma.task.findMany({
    include: {
      cooperators: { orderBy: { sortOrder: 'asc' } },
      events: { orderBy: { seq: 'asc' } },
      reports: { include: { actuals: true } },
      extensions: true,
      closures: true,
      instructions: true,
      notices: true,
    },
  });
  const eventsByReason = new Map<string, { taskId: string; seq: number; kind: string }[]>();
  const reportsByNarrative = new Map<
    string,
    { id: string; taskId: string; seq: number; actuals: { value: number; indicatorId: string }[] }[]
  >();
  const tasksByTitle = new Map<string, string[]>();
  const push = <T>(m: Map<string, T[]>, k: string | null, v: T) => {
    if (k) m.set(k, [...(m.get(k) ?? []), v]);
  };
  for (const t of tasks) {
    push(tasksByTitle, t.title, t.id);
    for (const e of t.events) push(eventsByReason, e.reason, { taskId: t.id, seq: e.seq, kind: e.kind });
    for (const r of t.reports)
      push(reportsByNarrative, r.narrative, { id: r.id, taskId: t.id, seq: r.seq, actuals: r.actuals });
  }
  const idx = { eventsByReason, reportsByNarrative, tasksByTitle };

  // ─── every command: applied exactly once when acknowledged, at most once otherwise ───
  let lost = 0;
  let duplicated = 0;
  let appliedWhenRefused = 0;
  let maybeAppliedAndApplied = 0;
  for (const rec of records) {
    if (rec.kind === 'acknowledge') continue; // counted per task below: it carries no text
    const n = footprints(rec, idx);
    const what = `${rec.kind} ${rec.marker} on ${rec.taskId} (${rec.outcome}${rec.code ? ` ${rec.code}` : ''})`;
    if (rec.outcome === 'ok' && n === 0) {
      lost++;
      problems.push(`acknowledged but lost: ${what}`);
    } else if (n > 1) {
      duplicated++;
      problems.push(`applied ${n} times: ${what}`);
    } else if ((rec.outcome === 'rejected' || rec.outcome === 'refused') && n > 0) {
      appliedWhenRefused++;
      problems.push(`refused but applied: ${what}`);
    }
    if ((rec.outcome === 'unavailable' || rec.outcome === 'unknown') && n === 1) maybeAppliedAndApplied++;
    if (n !== 1) continue;
    // The rows that go with the command's event.
    const byMarker = (
      rows: { text?: string; reason?: string | null; summary?: string; decisionReason?: string | null }[],
      f: 'text' | 'reason' | 'summary' | 'decisionReason',
    ) => rows.filter((r) => (r as Record<string, unknown>)[f] === rec.marker).length;
    const t = tasks.find((x) => x.id === rec.taskId);
    if (!t) continue;
    const expectOne = (label: string, count: number) => {
      if (count !== 1) problems.push(`${what}: ${count} ${label} rows`);
    };
    switch (rec.kind) {
      case 'report': {
        const r = reportsByNarrative.get(rec.marker)![0]!;
        const ev = t.events.filter((e) => JSON.parse(e.data).reportId === r.id);
        expectOne('timeline events for the report', ev.length);
        if (ev[0] && ev[0].seq !== r.seq) problems.push(`${what}: report at seq ${r.seq}, its event at ${ev[0].seq}`);
        const sent = [...(rec.values ?? [])].sort((a, b) => a.indicatorId.localeCompare(b.indicatorId));
        const kept = r.actuals
          .map((a) => ({ indicatorId: a.indicatorId, value: a.value }))
          .sort((a, b) => a.indicatorId.localeCompare(b.indicatorId));
        if (!same(sent, kept))
          problems.push(`${what}: indicator values ${JSON.stringify(kept)} ≠ sent ${JSON.stringify(sent)}`);
        break;
      }
      case 'requestExtension':
        expectOne('extension request', byMarker(t.extensions, 'reason'));
        break;
      case 'decideExtension':
        expectOne('decided extension', byMarker(t.extensions, 'decisionReason'));
        break;
      case 'requestClosure':
        expectOne('closure review', byMarker(t.closures, 'summary'));
        break;
      case 'reviewClosure':
        expectOne('reviewed closure', byMarker(t.closures, 'reason'));
        break;
      case 'instruction':
        expectOne('instruction', byMarker(t.instructions, 'text'));
        expectOne(
          'instruction notice',
          t.notices.filter((x) => x.kind === 'INSTRUCTION' && x.reason === rec.marker).length,
        );
        break;
      case 'escalate':
        expectOne('escalation notice', t.notices.filter((x) => x.kind === 'MANUAL' && x.reason === rec.marker).length);
        break;
      case 'cancel':
        if (t.cancelReason !== rec.marker && t.status === 'CANCELLED')
          problems.push(`${what}: cancelReason ${t.cancelReason}`);
        break;
    }
  }
  // Acknowledgements: as many ACKNOWLEDGED events as acknowledged commands, plus at most the unknown ones.
  const acks = new Map<string, { ok: number; maybe: number }>();
  for (const rec of records.filter((r) => r.kind === 'acknowledge')) {
    const a = acks.get(rec.taskId) ?? { ok: 0, maybe: 0 };
    if (rec.outcome === 'ok') a.ok++;
    if (rec.outcome === 'unavailable' || rec.outcome === 'unknown') a.maybe++;
    acks.set(rec.taskId, a);
  }
  for (const t of tasks) {
    const n = t.events.filter((e) => e.kind === 'ACKNOWLEDGED').length;
    const a = acks.get(t.id) ?? { ok: 0, maybe: 0 };
    if (n < a.ok) {
      lost += a.ok - n;
      problems.push(`task ${t.id}: ${a.ok} acknowledgements answered, ${n} ACKNOWLEDGED events`);
    }
    if (n > a.ok + a.maybe) {
      duplicated += n - a.ok - a.maybe;
      problems.push(
        `task ${t.id}: ${n} ACKNOWLEDGED events for ${a.ok} answered + ${a.maybe} unknown acknowledgements`,
      );
    }
  }

  // ─── the read model equals each workflow's state ───
  let mismatchedTasks = 0;
  let openWorkflows = 0;
  const queryMs: number[] = [];
  for (const t of tasks) {
    const bad: string[] = [];
    if (!t.workflowId) {
      problems.push(`task ${t.id} (${t.title}) has no workflow`);
      mismatchedTasks++;
      continue;
    }
    const h = client.workflow.getHandle(t.workflowId);
    let state: TaskState;
    const started = Date.now();
    try {
      const d = await client.connection.withDeadline(Date.now() + 5_000, () => h.describe());
      if (d.status.name === 'RUNNING') openWorkflows++;
      state = await client.connection.withDeadline(Date.now() + 5_000, () => h.query(stateQuery));
      queryMs.push(Date.now() - started);
    } catch (err) {
      problems.push(
        `task ${t.id}: workflow ${t.workflowId} does not answer a query within 5 s: ${(err as Error).message}`,
      );
      mismatchedTasks++;
      continue;
    }
    const check = (what: string, rm: unknown, wf: unknown) => {
      if (!same(rm, wf)) bad.push(`${what}: read model ${JSON.stringify(rm)} ≠ workflow ${JSON.stringify(wf)}`);
    };
    check('status', t.status, state.status);
    check('progress', t.progress, state.progress);
    check('dueDate', t.dueDate, state.dueDate);
    check('lead', t.leadDepartmentId, state.leadDepartmentId);
    check('escalationLevel', t.escalationLevel, state.escalationLevel);
    check(
      'cooperators',
      t.cooperators.map((c) => c.departmentId),
      state.cooperatingDepartmentIds,
    );
    check('projectionSeq', t.projectionSeq, state.seq);
    check(
      'timeline seqs',
      t.events.map((e) => e.seq),
      Array.from({ length: state.seq }, (_, i) => i + 1),
    );
    const recent = state.recent ?? [];
    check(
      'recent timeline kinds',
      t.events.slice(-recent.length).map((e) => e.kind),
      recent.map((r) => r.kind),
    );
    check(
      'pending extension',
      t.extensions.filter((x) => x.status === 'PENDING').map((x) => x.id),
      state.pendingExtension ? [state.pendingExtension.id] : [],
    );
    check(
      'pending closure',
      t.closures.filter((x) => x.status === 'PENDING').map((x) => x.id),
      state.pendingClosure ? [state.pendingClosure.id] : [],
    );
    // Rows that belong to a change carry its seq; none may come from beyond the workflow's seq.
    for (const [label, rows] of [
      ['report', t.reports],
      ['extension', t.extensions],
      ['closure', t.closures],
      ['instruction', t.instructions],
    ] as const) {
      for (const r of rows)
        if (r.seq > state.seq || r.seq < 1) bad.push(`${label} ${r.id} at seq ${r.seq} > ${state.seq}`);
    }
    // Manual notices: exactly one per ESCALATED event, keyed by its seq; none without one.
    const escalations = new Set(t.events.filter((e) => e.kind === 'ESCALATED').map((e) => `${t.id}:MANUAL:${e.seq}`));
    const manual = new Set(t.notices.filter((x) => x.kind === 'MANUAL').map((x) => x.id));
    check('manual notices', [...manual].sort(), [...escalations].sort());
    if (bad.length) {
      mismatchedTasks++;
      problems.push(`task ${t.id} (${t.workflowId}) differs from its workflow:\n    ${bad.join('\n    ')}`);
    }
  }

  // ─── notices, notifications, deliveries: keyed, none doubled ───
  const notices = await prisma.notice.findMany({ include: { notifications: true } });
  let notifications = 0;
  for (const n of notices) {
    notifications += n.notifications.length;
    const users = n.notifications.map((x) => x.userId);
    if (new Set(users).size !== users.length) problems.push(`notice ${n.id}: a user notified twice`);
  }
  const deliveries = await prisma.delivery.findMany();
  const byKey = new Map(deliveries.map((d) => [d.key, d]));
  const mailCount = new Map<string, number>();
  for (const m of opts.mails) mailCount.set(m.messageId, (mailCount.get(m.messageId) ?? 0) + 1);
  let emailsResentAfterCrash = 0;
  const emailDeliveries = deliveries.filter((d) => d.channel === 'EMAIL');
  // Message-ID is <encodeURIComponent(noticeKey).userId@duban>; the delivery key is noticeKey:email:address.
  const expectedIds = new Map<string, string>();
  const usersByEmail = new Map((await prisma.user.findMany()).map((u) => [u.email ?? '', u.id]));
  for (const d of emailDeliveries) {
    const noticeKey = d.key.slice(0, d.key.lastIndexOf(':email:'));
    expectedIds.set(`<${encodeURIComponent(noticeKey)}.${usersByEmail.get(d.recipient)}@duban>`, d.key);
  }
  for (const [messageId, count] of mailCount) {
    const key = expectedIds.get(messageId);
    if (!key) {
      problems.push(`mail ${messageId} received without a delivery record`);
      continue;
    }
    if (count > 1) {
      // At-least-once across a crash between sending and recording it; never otherwise.
      if ((byKey.get(key)?.attempts ?? 0) < 2)
        problems.push(`mail ${messageId} received ${count} times, attempted once`);
      else emailsResentAfterCrash++;
    }
  }
  for (const d of emailDeliveries.filter((x) => x.status === 'SENT')) {
    const id = [...expectedIds].find(([, k]) => k === d.key)![0];
    if (!mailCount.has(id)) problems.push(`delivery ${d.key} marked SENT but never received`);
  }
  const hooks = new Map<string, number>();
  for (const p of opts.webhooks) {
    const k = String(p.headers['idempotency-key']);
    hooks.set(k, (hooks.get(k) ?? 0) + 1);
  }
  for (const [k, count] of hooks) {
    const d = deliveries.find((x) => x.channel === 'WEBHOOK' && x.key.startsWith(`${k}:webhook:`));
    if (!d) problems.push(`webhook ${k} received without a delivery record`);
    else if (count > 1 && d.attempts < 2) problems.push(`webhook ${k} received ${count} times, attempted once`);
  }

  return {
    problems,
    figures: {
      tasks: tasks.length,
      openWorkflows,
      acknowledged: records.filter((r) => r.outcome === 'ok').length,
      maybeApplied: records.filter((r) => r.outcome === 'unavailable' || r.outcome === 'unknown').length,
      maybeAppliedAndApplied,
      lost,
      duplicated,
      appliedWhenRefused,
      mismatchedTasks,
      notices: notices.length,
      notifications,
      emailsReceived: opts.mails.length,
      emailsResentAfterCrash,
      webhooksReceived: opts.webhooks.length,
      queryMs: { max: Math.max(0, ...queryMs), median: median(queryMs) },
    },
  };
}
