/**
 * One HTTP server: GraphQL at /graphql, the built board (web/dist) at /.
 * Thin on purpose: the schema lives in api/schema, the context in api/context.
 */
import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { LoginLimiter, tokenFromRequest, userFromToken } from './auth.ts';
import { DubanError } from './errors.ts';
import { MESSAGES } from './messages.ts';
import { createEventBus, type EventBus } from './events.ts';
import { startChangeFeed } from './feed.ts';
import { createLoaders } from './loaders.ts';
import { ledgerWorkbook, roundWorkbook } from './export.ts';
import { canSeeTaskRow, TASK_ACCESS_SELECT } from './access.ts';
import { assignmentDocument, bulletinDocument, bulletinWorkbook, orderDocument } from './documents.ts';
import type { AppServices, Context } from './context.ts';
import { schema } from './schema/index.ts';
import { isEvidenceRoute, serveEvidence } from './evidence.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = path.resolve(here, '..', 'web', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface RunningServer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export function createYogaApp(services: AppServices) {
  const limiter = services.limiter ?? new LoginLimiter();
  const events = services.events ?? createEventBus();
  const cookiesFor = new WeakMap<Request, string[]>();
  return createYoga<{ req: http.IncomingMessage }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    // Users' own mistakes (typed DubanErrors) are answers, not server errors worth logging.
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => console.warn('[api]', ...args),
      error: (...args: unknown[]) => {
        if (
          !args.some(
            (a) => a instanceof DubanError || (a as { originalError?: unknown })?.originalError instanceof DubanError,
          )
        ) {
          console.error('[api]', ...args);
        }
      },
    },
    maskedErrors: { maskError: maskUnexpected },
    plugins: [
      useDepthLimit(12),
      useSignedIn(),
      {
        // Subscriptions are long-lived: refuse one without valid credentials before its stream opens.
        async onRequest({ request, fetchAPI, endResponse }) {
          if (!(request.headers.get('accept') ?? '').includes('text/event-stream')) return;
          const found = tokenFromRequest(request);
          const user = found ? await userFromToken(services.prisma, found.token) : null;
          if (!user) {
            endResponse(
              new fetchAPI.Response(
                JSON.stringify({
                  errors: [
                    {
                      message: MESSAGES.UNAUTHENTICATED.zh,
                      extensions: { code: 'UNAUTHENTICATED', messageEn: MESSAGES.UNAUTHENTICATED.en },
                    },
                  ],
                }),
                { status: 401, headers: { 'content-type': 'application/json' } },
              ),
            );
          }
        },
      },
      {
        // CSRF: a cookie-authenticated POST must be JSON (which a cross-site form cannot send
        // without a CORS preflight) or carry our header. Bearer tokens are not sent by browsers on their own.
        onRequest({ request, fetchAPI, endResponse }) {
          if (request.method !== 'POST') return;
          const via = tokenFromRequest(request)?.via;
          const type = request.headers.get('content-type') ?? '';
          if (via === 'cookie' && !type.startsWith('application/json') && !request.headers.get('x-duban-csrf')) {
            endResponse(
              new fetchAPI.Response(
                JSON.stringify({
                  errors: [{ message: '请求被拒绝（缺少 CSRF 头）。 / Request refused: missing CSRF header.' }],
                }),
                {
                  status: 403,
                  headers: { 'content-type': 'application/json' },
                },
              ),
            );
          }
        },
        onResponse({ request, response }) {
          for (const c of cookiesFor.get(request) ?? []) response.headers.append('set-cookie', c);
        },
      },
    ],
    context: async ({ request, req }): Promise<Context> => {
      const found = tokenFromRequest(request);
      const user = found ? await userFromToken(services.prisma, found.token) : null;
      const setCookies: string[] = [];
      cookiesFor.set(request, setCookies);
      return {
        ...services,
        limiter,
        events: endingWith(events, request.signal),
        request,
        user,
        token: found?.token ?? null,
        clientAddress: req?.socket?.remoteAddress ?? 'unknown',
        setCookies,
        loaders: createLoaders(services.prisma),
      };
    },
  });
}

/**
 * A subscription ends with its connection: when the client goes away the bus
 * subscription is returned at once, so a filtering resolver waiting for a
 * matching event (another user's notifications) releases its listener too.
 */
function endingWith(bus: EventBus, signal: AbortSignal): EventBus {
  return {
    ...bus,
    subscribe: ((...args: Parameters<EventBus['subscribe']>) => {
      const source = bus.subscribe(...args);
      if (signal.aborted) void source.return?.();
      else signal.addEventListener('abort', () => void source.return?.(), { once: true });
      return source;
    }) as EventBus['subscribe'],
  };
}

/**
 * Every failure a user can cause keeps its code and a Chinese message (the
 * English one in messageEn); GraphQL's own request errors (a variable of the
 * wrong type, an unknown field) are translated. Anything else is a bug: it is
 * logged with a request id that the user's message shows.
 */
function maskUnexpected(error: unknown, message: string): Error {
  const original = (error as { originalError?: unknown })?.originalError;
  if (original instanceof DubanError) {
    return new GraphQLError(original.message, { extensions: { code: original.code, messageEn: original.messageEn } });
  }
  const gql = error instanceof GraphQLError ? error : null;
  if (gql && (!original || original instanceof GraphQLError)) return requestError(gql);
  const requestId = randomUUID().slice(0, 8);
  console.error(`[api] request ${requestId}:`, original ?? error);
  void message;
  return new GraphQLError(`服务器内部错误（请求编号 ${requestId}），请联系管理员。`, {
    extensions: {
      code: 'INTERNAL',
      requestId,
      messageEn: `Internal server error (request ${requestId}); please tell the administrator.`,
    },
  });
}

/** GraphQL's own errors about the request, in the user's language. */
function requestError(error: GraphQLError): GraphQLError {
  // Already ours (Chinese, with its English in messageEn).
  if (typeof error.extensions?.messageEn === 'string') return error;
  const en = error.message;
  const variable = /^Variable "\$(\w+)" got invalid value (.*?);/.exec(en) ?? /^Variable "\$(\w+)"/.exec(en);
  let zh: string;
  if (variable) {
    const kind = /Int|Float|non-integer|numeric/.test(en)
      ? '（应为数字）'
      : /Boolean/.test(en)
        ? '（应为是或否）'
        : /of required type .* was not provided|must not be null/.test(en)
          ? '（必填）'
          : '';
    zh = `参数 $${variable[1]} 的值无效${kind}。`;
  } else if (/^Cannot query field/.test(en)) zh = '查询了不存在的字段。';
  else if (/^Syntax Error/.test(en)) zh = '查询语法错误。';
  else if (/^Unknown argument/.test(en)) zh = '请求含有不认识的参数。';
  else if (/argument ".*" of type ".*" is required/.test(en)) zh = '缺少必填参数。';
  else if (/^Variable "\$\w+" is never used|is not defined/.test(en)) zh = '查询中的变量有误。';
  else zh = '请求无效。';
  const code = (error.extensions?.code as string | undefined) ?? 'INVALID_INPUT';
  return new GraphQLError(zh, {
    nodes: error.nodes,
    positions: error.positions,
    path: error.path,
    extensions: {
      ...error.extensions,
      code: code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED' ? 'INVALID_INPUT' : code,
      messageEn: en,
    },
  });
}

/** Operations anyone may run without signing in. */
const PUBLIC_ROOT_FIELDS = new Set(['login', 'health', 'me', '__typename', '__schema', '__type']);

/** Authentication on every operation but login and health, subscriptions included. */
function useSignedIn() {
  const refuse = (args: { contextValue: unknown; document: any; operationName?: string | null }) => {
    if ((args.contextValue as Context).user) return null;
    const ops = (args.document.definitions as any[]).filter((d) => d.kind === 'OperationDefinition');
    const op = ops.find((o) => !args.operationName || o.name?.value === args.operationName) ?? ops[0];
    const fields: string[] = (op?.selectionSet?.selections ?? []).map((sel: any) =>
      sel.kind === 'Field' ? sel.name.value : '…',
    );
    if (fields.every((f) => PUBLIC_ROOT_FIELDS.has(f))) return null;
    return {
      errors: [
        new GraphQLError(MESSAGES.UNAUTHENTICATED.zh, {
          extensions: { code: 'UNAUTHENTICATED', messageEn: MESSAGES.UNAUTHENTICATED.en },
        }),
      ],
    };
  };
  return {
    onExecute({ args, setResultAndStopExecution }: any) {
      const r = refuse(args);
      if (r) setResultAndStopExecution(r);
    },
    onSubscribe({ args, setResultAndStopExecution }: any) {
      const r = refuse(args);
      if (r) setResultAndStopExecution(r);
    },
  };
}

/**
 * Refuse absurdly nested queries before they reach resolvers; and answer every
 * validation error (unknown argument or field, a missing required argument, …)
 * in Chinese with its code, as execution errors are (validation errors do not
 * pass through maskError).
 */
function useDepthLimit(maxDepth: number) {
  const depth = (node: { selectionSet?: { selections: readonly any[] } }, level: number): number =>
    node.selectionSet ? Math.max(level, ...node.selectionSet.selections.map((s) => depth(s, level + 1))) : level;
  return {
    onValidate({ addValidationRule }: any) {
      addValidationRule((context: any) => ({
        OperationDefinition(op: any) {
          const d = depth(op, 0);
          if (d > maxDepth) {
            context.reportError(
              new GraphQLError(`查询嵌套过深（${d} 层，上限 ${maxDepth}）。`, {
                extensions: { code: 'INVALID_INPUT', messageEn: `Query too deep (${d} > ${maxDepth}).` },
              }),
            );
          }
        },
      }));
      return ({ valid, result, setResult }: any) => {
        if (!valid) {
          setResult((result as unknown[]).map((e) => (e instanceof GraphQLError ? requestError(e) : e)));
        }
      };
    },
  };
}

/** GET /export/ledger.xlsx?planId=… and /export/round/<id>.xlsx, with the API's authentication. */
async function serveExport(req: http.IncomingMessage, res: http.ServerResponse, services: AppServices): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  const found = tokenFromRequest(new Request(url, { headers }));
  const user = found ? await userFromToken(services.prisma, found.token) : null;
  const text = (status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  };
  if (!user) return text(401, '请先登录。 / Please sign in.');
  const docx = (buffer: Buffer, name: string): void => {
    res.writeHead(200, {
      'content-type': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      'content-length': buffer.length,
    });
    res.end(buffer);
  };
  /** A task's documents follow the one access rule: a task the reader may not see is not found. */
  const mayReadTask = async (taskId: string): Promise<boolean> => {
    const row = await services.prisma.task.findUnique({ where: { id: taskId }, select: TASK_ACCESS_SELECT });
    return !!row && canSeeTaskRow(user, row);
  };
  const order = /^\/export\/order\/([^/]+)\.docx$/.exec(url.pathname);
  if (order) {
    const id = decodeURIComponent(order[1]!);
    const row = await services.prisma.supervisionOrder.findUnique({
      where: { id },
      select: { taskId: true, docNumber: true },
    });
    if (!row || !(await mayReadTask(row.taskId))) return text(404, '未找到该督办单。 / Supervision order not found.');
    const buffer = await orderDocument(services, id);
    return docx(buffer!, `督办通知书${row.docNumber}.docx`);
  }
  const assignment = /^\/export\/task\/([^/]+)\/assignment\.docx$/.exec(url.pathname);
  if (assignment) {
    const id = decodeURIComponent(assignment[1]!);
    if (!(await mayReadTask(id))) return text(404, '未找到该任务。 / Task not found.');
    const buffer = await assignmentDocument(services, id);
    if (!buffer) return text(409, '任务尚未交办，没有交办通知单。 / The task has not been assigned yet.');
    return docx(buffer, '交办通知单.docx');
  }
  const bulletin = /^\/export\/round\/([^/]+)\/bulletin\.(docx|xlsx)$/.exec(url.pathname);
  if (bulletin) {
    if (user.role === 'DEPARTMENT') return text(403, '您没有执行此操作的权限。 / Not allowed.');
    const id = decodeURIComponent(bulletin[1]!);
    const exists = await services.prisma.supervisionRound.findUnique({ where: { id }, select: { status: true } });
    if (!exists) return text(404, '未找到督查轮次。 / Round not found.');
    if (exists.status !== 'CLOSED')
      return text(409, '轮次结束后才生成督查通报。 / The bulletin exists once the round has closed.');
    if (bulletin[2] === 'docx') return docx((await bulletinDocument(services, id))!, '督查通报.docx');
    const book = await bulletinWorkbook(services, id);
    return xlsx(Buffer.from(await book!.xlsx.writeBuffer()), '督查通报.xlsx');
  }
  let wb;
  let name: string;
  const round = /^\/export\/round\/([^/]+)\.xlsx$/.exec(url.pathname);
  if (url.pathname === '/export/ledger.xlsx') {
    wb = await ledgerWorkbook(services, user, url.searchParams.get('planId'));
    name = '任务台账.xlsx';
  } else if (round) {
    if (user.role === 'DEPARTMENT') return text(403, '您没有执行此操作的权限。 / Not allowed.');
    wb = await roundWorkbook(services, decodeURIComponent(round[1]!));
    if (!wb) return text(404, '未找到督查轮次。 / Round not found.');
    name = '季度评估.xlsx';
  } else {
    return text(404, '未找到。 / Not found.');
  }
  return xlsx(Buffer.from(await wb.xlsx.writeBuffer()), name);

  function xlsx(buffer: Buffer, filename: string): void {
    res.writeHead(200, {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
      'content-length': buffer.length,
    });
    res.end(buffer);
  }
}

/** Serve a file from web/dist; unknown paths fall back to index.html (client-side routes). */
function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, root: string): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  let file = path.resolve(root, rel);
  if (!file.startsWith(root)) {
    res.writeHead(400).end('Bad path');
    return;
  }
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
  if (!fs.existsSync(file)) {
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      .end('看板尚未构建，请运行 npm run build:web。\nThe board is not built yet: run npm run build:web.');
    return;
  }
  const ext = path.extname(file);
  const immutable = rel.startsWith('assets/');
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  fs.createReadStream(file).pipe(res);
}

export async function startServer(
  services: AppServices,
  opts: { port: number; host: string; webRoot?: string; feedIntervalMs?: number },
): Promise<RunningServer> {
  // Subscriptions hear about changes through the change feed (the worker may be another process).
  const events = services.events ?? createEventBus();
  const feed = startChangeFeed(services.prisma, events, opts.feedIntervalMs);
  const yoga = createYogaApp({ ...services, events });
  const webRoot = opts.webRoot ?? WEB_DIST;
  const server = http.createServer((req, res) => {
    if ((req.url ?? '').startsWith('/graphql')) {
      void yoga.handle(req, res, { req });
      return;
    }
    if (isEvidenceRoute(req.url)) {
      void serveEvidence(req, res, services).catch((err) => {
        console.error('[evidence]', err);
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('服务器内部错误 / Internal error');
      });
      return;
    }
    if ((req.url ?? '').startsWith('/export/')) {
      void serveExport(req, res, services).catch((err) => {
        console.error('[export]', err);
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('导出失败 / Export failed');
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(req, res, webRoot);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        feed.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
