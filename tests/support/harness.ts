/**
 * Shared pieces of the integration tests: a fresh SQLite read model, a real
 * local SMTP server and webhook receiver, the SDK's time-skipping test
 * environment running our engine, and a seeded organisation.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { createPrisma, prepareDatabase, type PrismaClient } from '../../prisma/client.ts';
import { loadConfig, type DubanConfig } from '../../temporal.config.ts';
import { ENGINE_BIN } from '../../runtime/temporal.ts';
import { bundleOptions, createWorker } from '../../runtime/worker.ts';
import { hashPassword } from '../../api/auth.ts';
import type { ParsedPlan } from '../../domain/parser/index.ts';

export { ENGINE_BIN };

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
}

export async function startSmtp(): Promise<{ url: string; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          const to = (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) =>
            a.value.map((v) => v.address ?? ''),
          );
          mails.push({ to, subject: m.subject ?? '', text: m.text ?? '', messageId: m.messageId ?? '' });
          callback();
        })
        .catch(callback);
    },
  });
  // A client killed mid-session (the fault test SIGKILLs the app) resets its socket: not a test failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((r) => server.close(() => r())) };
}

export async function startWebhookReceiver(): Promise<{
  url: string;
  posts: { body: any; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}> {
  const posts: { body: any; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('error', () => {});
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      posts.push({ body: JSON.parse(raw || '{}'), headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/robot`, posts, close: () => new Promise((r) => server.close(() => r())) };
}

export async function freshDatabase(
  env: Record<string, string> = {},
): Promise<{ prisma: PrismaClient; config: DubanConfig; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-test-'));
  const config = loadConfig({ DATA_DIR: dir, DUBAN_DEMO: '0', ...env });
  await prepareDatabase(config.databaseUrl);
  return { prisma: createPrisma(config.databaseUrl), config, dir };
}

/** The SDK's time-skipping environment on our engine, its virtual clock starting at `initialTime`. */
export function timeSkippingEnv(initialTime?: string): Promise<TestWorkflowEnvironment> {
  return retryingStart(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: {
        executable: { type: 'existing-path', path: ENGINE_BIN },
        ...(initialTime ? { extraArgs: ['--initial-time', initialTime] } : {}),
      },
    }),
  );
}

/**
 * The SDK gives a test server 5 s to listen. On a loaded 2-core machine the
 * engine's start (a Node process) can take longer; try again rather than
 * fail a whole file on a slow start.
 */
export async function retryingStart<T>(start: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts || !/did not start within|Failed to start ephemeral server/.test(String(err))) throw err;
    }
  }
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundle workflows/ once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode(bundleOptions());
  return bundle;
}

export interface Org {
  office: { id: string };
  supervisor: { id: string };
  departments: { id: string; name: string; userId: string; email: string }[];
}

/** Departments A, B, C… each with one staff user, plus an office user and a supervisor, all with email. */
export async function seedOrg(prisma: PrismaClient, names: string[], webhookUrl?: string): Promise<Org> {
  const passwordHash = await hashPassword('test-password');
  const office = await prisma.user.create({
    data: { username: 'office', displayName: '办公室', role: 'OFFICE', passwordHash, email: 'office@example.gov' },
  });
  const supervisor = await prisma.user.create({
    data: {
      username: 'supervisor',
      displayName: '分管领导',
      role: 'SUPERVISOR',
      passwordHash,
      email: 'leader@example.gov',
    },
  });
  const departments = [];
  for (const [i, name] of names.entries()) {
    const d = await prisma.department.create({
      data: { name, sortOrder: i, webhook: i === 0 ? (webhookUrl ?? null) : null },
    });
    const email = `dept${i + 1}@example.gov`;
    const u = await prisma.user.create({
      data: {
        username: `dept${String(i + 1).padStart(2, '0')}`,
        displayName: `${name}联络员`,
        role: 'DEPARTMENT',
        departmentId: d.id,
        passwordHash,
        email,
      },
    });
    departments.push({ id: d.id, name, userId: u.id, email });
  }
  return { office, supervisor, departments };
}

/** A plan as the importer would produce it: tasks led by the given departments, each with one deadline. */
export function testPlan(
  title: string,
  tasks: {
    title: string;
    lead: string;
    cooperating?: string[];
    due: string;
    recurrence?: ParsedPlan['tasks'][number]['recurrence'];
  }[],
): ParsedPlan {
  const departments = [...new Set(tasks.flatMap((t) => [t.lead, ...(t.cooperating ?? [])]))];
  return {
    title,
    issuer: null,
    doc_number: null,
    departments,
    plan_targets: [],
    warnings: [],
    tasks: tasks.map((t, i) => ({
      path: ['一、任务', `(${i + 1})${t.title}`],
      title: t.title,
      lead: [t.lead],
      cooperating: t.cooperating ?? [],
      deadlines: [{ text: `${t.due}前`, date: t.due }],
      targets: [],
      recurrence: t.recurrence ?? null,
    })),
  };
}

export interface GraphQLResponse {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POST a GraphQL request to a running Duban server, as a script would (bearer token). */
export async function postGraphQL(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse;
}

export interface RunningTestWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** The real worker (bundled workflows/, real activities on the given read model) polling `taskQueue`. */
export async function runTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  deps: { prisma: PrismaClient; config: DubanConfig },
): Promise<RunningTestWorker> {
  const worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(deps),
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}
