/** The Prisma client over better-sqlite3, the one way code in Duban opens the read model. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyPendingMigrations, sqlitePath } from './migrate.ts';

export type { PrismaClient };

/**
 * Prepare the database file: WAL journal (readers never block the writer),
 * then apply pending migrations. Safe to call on every start: a second call
 * applies nothing.
 */
export async function prepareDatabase(url: string): Promise<{ applied: string[] }> {
  const file = sqlitePath(url);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.close();
  const applied = await applyPendingMigrations(url);
  return { applied };
}

/** The better-sqlite3 connection under each client (see `sqliteConnection`). */
const connections = new WeakMap<PrismaClient, { db: Database.Database | null }>();

/**
 * The adapter factory Prisma connects through, keeping the connection it opens:
 * Prisma serializes its transactions on that one connection, so a hot path that
 * writes through it (activities/projection.ts) never races a Prisma transaction.
 */
function keepingConnection(
  inner: PrismaBetterSqlite3,
  held: { db: Database.Database | null },
): SqlDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      held.db = (adapter as unknown as { client: Database.Database }).client;
      return adapter;
    },
  };
}

export function createPrisma(url: string, options: { onQuery?: (sql: string) => void } = {}): PrismaClient {
  // better-sqlite3 is built with foreign keys on by default; WAL is a property of the file.
  const held = { db: null as Database.Database | null };
  const adapter = keepingConnection(new PrismaBetterSqlite3({ url: `file:${sqlitePath(url)}`, timeout: 5000 }), held);
  const client = options.onQuery
    ? new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] })
    : new PrismaClient({ adapter });
  if (options.onQuery)
    (client as PrismaClient<'query'>).$on('query', (e: { query: string }) => options.onQuery!(e.query));
  connections.set(client, held);
  return client;
}

/**
 * The connection a client's queries run on, for synchronous prepared statements
 * (one transaction in one event-loop turn) where Prisma's per-statement cost is
 * too high. Callers must not begin a transaction while `db.inTransaction` (a
 * Prisma interactive transaction is open on it). Integers read back are BigInt
 * unless the statement says `safeIntegers(false)`.
 */
export async function sqliteConnection(prisma: PrismaClient): Promise<Database.Database> {
  const held = connections.get(prisma);
  if (!held) throw new Error('sqliteConnection: a client made by createPrisma is needed');
  if (!held.db || !held.db.open) await prisma.$connect();
  if (!held.db) await prisma.$queryRawUnsafe('SELECT 1');
  if (!held.db) throw new Error('sqliteConnection: Prisma did not open its connection');
  return held.db;
}
