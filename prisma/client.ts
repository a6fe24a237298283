/** The Prisma client over better-sqlite3, the one way code in Duban opens the read model. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
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

export function createPrisma(url: string, options: { onQuery?: (sql: string) => void } = {}): PrismaClient {
  // better-sqlite3 is built with foreign keys on by default; WAL is a property of the file.
  const adapter = new PrismaBetterSqlite3({ url: `file:${sqlitePath(url)}`, timeout: 5000 });
  if (!options.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (e) => options.onQuery!(e.query));
  return client;
}
