/**
 * Passwords (scrypt, salted, never stored plain), sessions (random tokens,
 * only their SHA-256 stored), the request's user (cookie or bearer token), and
 * a failed-login limiter per user and per address.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { PrismaClient } from '../prisma/client.ts';
import type { Role, SessionUser } from './context.ts';
import { actingForOf } from './delegation.ts';

const scrypt = promisify(crypto.scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: crypto.ScryptOptions,
) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1 };
export const SESSION_COOKIE = 'duban_session';
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return crypto.timingSafeEqual(expected, actual);
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export async function createSession(
  prisma: PrismaClient,
  userId: string,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await prisma.session.create({ data: { id: sha256(token), userId, expiresAt } });
  return { token, expiresAt };
}

export async function endSession(prisma: PrismaClient, token: string): Promise<void> {
  await prisma.session.deleteMany({ where: { id: sha256(token) } });
}

export function tokenFromRequest(request: Request): { token: string; via: 'cookie' | 'bearer' } | null {
  const auth = request.headers.get('authorization');
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'bearer' };
  const cookie = request.headers.get('cookie') ?? '';
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE && v.length) return { token: decodeURIComponent(v.join('=')), via: 'cookie' };
  }
  return null;
}

export async function userFromToken(
  prisma: PrismaClient,
  token: string,
  now = new Date(),
): Promise<SessionUser | null> {
  const session = await prisma.session.findUnique({ where: { id: sha256(token) }, include: { user: true } });
  if (!session || session.expiresAt <= now || !session.user.active) return null;
  return {
    id: session.user.id,
    username: session.user.username,
    role: session.user.role as Role,
    departmentId: session.user.departmentId,
    actingFor: session.user.role === 'DEPARTMENT' ? await actingForOf(prisma, session.user.id, now) : [],
  };
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(token)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearedSessionCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;

/** Failed logins: after `max` failures within `windowMs` for a user or an address, refuse until the window passes. */
export class LoginLimiter {
  private failures = new Map<string, number[]>();
  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    this.failures.set(key, list);
    return list;
  }

  /** Minutes to wait, or 0 when a login may be attempted. */
  blockedFor(username: string, address: string, now = Date.now()): number {
    let waitMs = 0;
    for (const key of [`u:${username}`, `a:${address}`]) {
      const list = this.recent(key, now);
      if (list.length >= this.max) waitMs = Math.max(waitMs, this.windowMs - (now - list[0]!));
    }
    return Math.ceil(waitMs / 60000);
  }

  fail(username: string, address: string, now = Date.now()): void {
    for (const key of [`u:${username}`, `a:${address}`]) this.recent(key, now).push(now);
  }

  succeed(username: string): void {
    this.failures.delete(`u:${username}`);
  }
}
