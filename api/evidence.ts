/**
 * 佐证材料 over HTTP: upload (POST /api/tasks/<taskId>/evidence, multipart,
 * one or more `file` fields), download (GET /export/evidence/<id>) and the
 * removal of an upload not yet attached (DELETE /api/evidence/<id>).
 *
 * The bytes are stored content-addressed under
 * DATA_DIR/evidence/<sha256[0:2]>/<sha256>, written atomically (temporary
 * file, then rename) and shared by identical uploads; each upload is a row.
 * Every path asks the one access rule (domain/access through api/access):
 * uploading needs REPORT or REQUEST_CLOSURE on the task, downloading needs
 * to see it; a task the reader may not see is "not found", never "forbidden".
 * Files are always served as downloads, with their sniffed type, nosniff and
 * a sandbox CSP, so nothing uploaded is ever rendered as a page of ours.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { refusal } from '../domain/access.ts';
import {
  checkEvidenceFile,
  evidenceCountRefusal,
  evidenceRules,
  sanitizeFileName,
  type EvidenceRefusal,
  type EvidenceRules,
} from '../domain/evidence.ts';
import { accessActor, accessTaskOf, canSeeTaskRow, taskIdOf, TASK_ACCESS_SELECT } from './access.ts';
import { tokenFromRequest, userFromToken } from './auth.ts';
import type { AppServices, SessionUser } from './context.ts';
import { MESSAGES } from './messages.ts';

/** Where the blobs live. */
export function evidenceDir(services: Pick<AppServices, 'config'>): string {
  return path.join(services.config.dataDir, 'evidence');
}

export function blobPath(dir: string, sha256: string): string {
  return path.join(dir, sha256.slice(0, 2), sha256);
}

export const evidenceUrl = (id: string): string => `/export/evidence/${encodeURIComponent(id)}`;

/** The routes this module answers. */
export function isEvidenceRoute(url: string | undefined): boolean {
  const p = (url ?? '').split('?')[0]!;
  return (
    /^\/api\/tasks\/[^/]+\/evidence$/.test(p) || /^\/api\/evidence\/[^/]+$/.test(p) || /^\/export\/evidence\//.test(p)
  );
}

/** `attachment` with the UTF-8 name and an ASCII fallback (RFC 6266). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\;]/g, '_') || 'evidence';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

interface Refused {
  status: number;
  code: string;
  zh: string;
  en: string;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

const refuse = (res: http.ServerResponse, r: Refused): void =>
  sendJson(res, r.status, { error: { code: r.code, message: r.zh, messageEn: r.en } });

const fromRule = (r: EvidenceRefusal, status = 400): Refused => ({ status, code: r.code, zh: r.zh, en: r.en });

const NOT_FOUND_TASK: Refused = { status: 404, code: 'NOT_FOUND', zh: '未找到该任务。', en: 'Task not found.' };
const NOT_FOUND_FILE: Refused = { status: 404, code: 'NOT_FOUND', zh: '未找到该佐证材料。', en: 'Evidence not found.' };

function requestOf(req: http.IncomingMessage): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  return new Request(new URL(req.url ?? '/', 'http://localhost'), { headers });
}

async function signedIn(req: http.IncomingMessage, services: AppServices) {
  const found = tokenFromRequest(requestOf(req));
  const user = found ? await userFromToken(services.prisma, found.token) : null;
  return { user, via: found?.via };
}

/** Read the body, refusing (without reading on) once it passes `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => (done ? undefined : reject(e)));
  });
}

/** Write `bytes` to its content address once; true when this call created the blob. */
function storeBlob(dir: string, sha256: string, bytes: Uint8Array): boolean {
  const file = blobPath(dir, sha256);
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${sha256}.${process.pid}.${crypto.randomUUID()}.tmp`);
  fs.writeFileSync(tmp, bytes, { flag: 'wx' });
  fs.renameSync(tmp, file);
  return true;
}

function rulesOf(settings: string): EvidenceRules {
  try {
    return evidenceRules((JSON.parse(settings) as { evidence?: Partial<EvidenceRules> }).evidence);
  } catch {
    return evidenceRules();
  }
}

async function upload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  services: AppServices,
  user: SessionUser,
  rawTaskId: string,
): Promise<void> {
  const taskId = taskIdOf(rawTaskId);
  const task = await services.prisma.task.findUnique({
    where: { id: taskId },
    select: { id: true, ...TASK_ACCESS_SELECT, plan: { select: { settings: true } } },
  });
  if (!task || !canSeeTaskRow(user, task)) return refuse(res, NOT_FOUND_TASK);
  // Evidence goes with a report or a closure request: who may make either may upload.
  const actor = accessActor(user);
  const access = accessTaskOf(task);
  const report = refusal(actor, access, 'REPORT');
  if (report && refusal(actor, access, 'REQUEST_CLOSURE')) {
    return refuse(res, { status: 403, code: report.code, zh: report.zh, en: report.en });
  }
  const rules = rulesOf(task.plan.settings);
  const maxBytes = rules.maxFileMB * 1024 * 1024;
  // The whole request may hold maxFiles files of the largest size, and the multipart framing.
  const limit = rules.maxFiles * maxBytes + 64 * 1024;
  const tooLarge: Refused = {
    status: 413,
    code: 'EVIDENCE_TOO_LARGE',
    zh: `上传的文件过大：每个文件不超过 ${rules.maxFileMB} MB，每次最多 ${rules.maxFiles} 个。`,
    en: `Upload too large: at most ${rules.maxFiles} files of ${rules.maxFileMB} MB each.`,
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return refuse(res, tooLarge);
  }
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) {
    req.resume();
    return refuse(res, {
      status: 415,
      code: 'INVALID_INPUT',
      zh: '请以 multipart/form-data 上传文件（字段名 file）。',
      en: 'Upload files as multipart/form-data (field "file").',
    });
  }
  const body = await readBody(req, limit);
  if (!body) return refuse(res, tooLarge);
  let files: File[];
  try {
    const form = await new Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: new Blob([new Uint8Array(body)]),
    }).formData();
    files = form.getAll('file').filter((f): f is File => typeof f !== 'string');
  } catch {
    return refuse(res, {
      status: 400,
      code: 'INVALID_INPUT',
      zh: '上传内容无法解析。',
      en: 'The upload could not be read.',
    });
  }
  if (files.length === 0) {
    return refuse(res, {
      status: 400,
      code: 'INVALID_INPUT',
      zh: '请选择要上传的文件。',
      en: 'Choose a file to upload.',
    });
  }
  const many = evidenceCountRefusal(files.length, rules);
  if (many) return refuse(res, fromRule(many));
  // Check every file before storing any: one refusal stores nothing.
  const checked = [];
  for (const f of files) {
    const name = sanitizeFileName(f.name);
    if (f.size > maxBytes) {
      const r = checkEvidenceFile({ name, size: f.size, bytes: new Uint8Array() }, rules);
      if (!r.ok) return refuse(res, fromRule(r.refusal, 413));
    }
    const bytes = new Uint8Array(await f.arrayBuffer());
    const r = checkEvidenceFile({ name, size: bytes.length, bytes }, rules);
    if (!r.ok) return refuse(res, fromRule(r.refusal, r.refusal.code === 'EVIDENCE_TOO_LARGE' ? 413 : 400));
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    checked.push({ name, bytes, mime: r.mime, sha256 });
  }
  const dir = evidenceDir(services);
  const created: string[] = [];
  try {
    for (const c of checked) if (storeBlob(dir, c.sha256, c.bytes)) created.push(c.sha256);
    const rows = await services.prisma.$transaction(
      checked.map((c) =>
        services.prisma.evidence.create({
          data: {
            taskId: task.id,
            sha256: c.sha256,
            name: c.name,
            mime: c.mime,
            size: c.bytes.length,
            uploaderId: user.id,
            uploaderDepartmentId: user.departmentId,
          },
          select: { id: true, name: true, size: true, mime: true, sha256: true, createdAt: true },
        }),
      ),
    );
    sendJson(
      res,
      201,
      rows.map((r) => ({ ...r, url: evidenceUrl(r.id) })),
    );
  } catch (err) {
    // Nothing half-stored: the blobs this request created go again (a concurrent identical upload rewrites its own).
    for (const sha of created) fs.rmSync(blobPath(dir, sha), { force: true });
    throw err;
  }
}

async function download(res: http.ServerResponse, services: AppServices, user: SessionUser, id: string, head: boolean) {
  const row = await services.prisma.evidence.findUnique({
    where: { id },
    include: { task: { select: TASK_ACCESS_SELECT } },
  });
  if (!row || !canSeeTaskRow(user, row.task)) return refuse(res, NOT_FOUND_FILE);
  // An upload not yet attached to a report or a request is its department's draft.
  if (!row.reportId && !row.closureId && !mayHandleDraft(user, row)) return refuse(res, NOT_FOUND_FILE);
  const file = blobPath(evidenceDir(services), row.sha256);
  if (!fs.existsSync(file)) return refuse(res, NOT_FOUND_FILE);
  res.writeHead(200, {
    'content-type': row.mime || 'application/octet-stream',
    'content-length': row.size,
    'content-disposition': contentDisposition(row.name),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
    'cache-control': 'private, no-store',
    'cross-origin-resource-policy': 'same-origin',
  });
  if (head) {
    res.end();
    return;
  }
  fs.createReadStream(file).pipe(res);
}

/** Unattached uploads belong to the uploader's department (the uploader, or a colleague in it). */
export function mayHandleDraft(
  user: SessionUser,
  row: { uploaderId: string; uploaderDepartmentId: string | null },
): boolean {
  return row.uploaderId === user.id || (!!user.departmentId && row.uploaderDepartmentId === user.departmentId);
}

async function remove(res: http.ServerResponse, services: AppServices, user: SessionUser, id: string) {
  const row = await services.prisma.evidence.findUnique({
    where: { id },
    include: { task: { select: TASK_ACCESS_SELECT } },
  });
  if (!row || !canSeeTaskRow(user, row.task) || !mayHandleDraft(user, row)) return refuse(res, NOT_FOUND_FILE);
  if (row.reportId || row.closureId) {
    return refuse(res, {
      status: 409,
      code: 'INVALID_STATE',
      zh: '该材料已随报告或申请提交，不能删除。',
      en: 'This file was submitted with a report or a request; it can no longer be removed.',
    });
  }
  await services.prisma.evidence.delete({ where: { id } });
  if ((await services.prisma.evidence.count({ where: { sha256: row.sha256 } })) === 0) {
    fs.rmSync(blobPath(evidenceDir(services), row.sha256), { force: true });
  }
  sendJson(res, 200, { id });
}

/** The evidence routes, with the API's authentication (bearer token or session cookie). */
export async function serveEvidence(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  services: AppServices,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const { user, via } = await signedIn(req, services);
  if (!user) {
    req.resume();
    return refuse(res, { status: 401, code: 'UNAUTHENTICATED', ...MESSAGES.UNAUTHENTICATED });
  }
  const method = req.method ?? 'GET';
  // CSRF: a cross-site form can post multipart with the cookie; it cannot add our header.
  if (method !== 'GET' && method !== 'HEAD' && via === 'cookie' && !req.headers['x-duban-csrf']) {
    req.resume();
    return refuse(res, {
      status: 403,
      code: 'FORBIDDEN',
      zh: '请求被拒绝（缺少 CSRF 头）。',
      en: 'Request refused: missing CSRF header.',
    });
  }
  const up = /^\/api\/tasks\/([^/]+)\/evidence$/.exec(url.pathname);
  if (up && method === 'POST') return upload(req, res, services, user, decodeURIComponent(up[1]!));
  const one = /^\/api\/evidence\/([^/]+)$/.exec(url.pathname);
  if (one && method === 'DELETE') return remove(res, services, user, decodeURIComponent(one[1]!));
  const get = /^\/export\/evidence\/([^/]+)$/.exec(url.pathname);
  if (get && (method === 'GET' || method === 'HEAD')) {
    return download(res, services, user, decodeURIComponent(get[1]!), method === 'HEAD');
  }
  req.resume();
  return refuse(res, { status: 405, code: 'INVALID_INPUT', zh: '不支持的请求。', en: 'Method not allowed.' });
}
