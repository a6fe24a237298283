import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createPrisma, prepareDatabase } from '../../prisma/client.ts';
import { createMigration, diffSchemaAgainstMigrations, MIGRATIONS_DIR, readMigrations } from '../../prisma/migrate.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'duban-mig-'));

describe('migrations (offline, through the wasm schema engine)', () => {
  it('applies every migration on a fresh database, and nothing on a second start', async () => {
    const url = `file:${path.join(tmp(), 'duban.db')}`;
    const first = await prepareDatabase(url);
    const expected = readMigrations().migrationDirectories.map((d) => d.path);
    expect(expected.length).toBeGreaterThan(0);
    expect(first.applied).toEqual(expected);
    const second = await prepareDatabase(url);
    expect(second.applied).toEqual([]);

    const db = new Database(url.slice('file:'.length));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("select name from sqlite_master where type='table'").all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['Plan', 'Task', 'Department', '_prisma_migrations']),
    );
    db.close();

    // The generated client works on the migrated file, with foreign keys enforced.
    const prisma = createPrisma(url);
    const plan = await prisma.plan.create({ data: { title: '测试方案', sourceText: '…' } });
    await expect(
      prisma.task.create({ data: { planId: plan.id, path: '1', title: 't', text: 't', leadDepartmentId: 'missing' } }),
    ).rejects.toThrow();
    expect(await prisma.task.count()).toBe(0);
    await prisma.$disconnect();
  });

  it('finds the checked-in migrations in sync with prisma/schema.prisma', async () => {
    const sql = await diffSchemaAgainstMigrations(`file:${path.join(tmp(), 'scratch.db')}`);
    expect(sql.replace(/^--.*$/gm, '').trim()).toBe('');
  });

  it('creates a migration from the schema diff in Prisma Migrate layout', async () => {
    const dir = path.join(tmp(), 'migrations');
    const created = await createMigration(
      'init',
      `file:${path.join(tmp(), 'scratch.db')}`,
      dir,
      new Date('2026-01-02T03:04:05Z'),
    );
    expect(created).toBe(path.join(dir, '20260102030405_init'));
    const sql = fs.readFileSync(path.join(created!, 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "Task"');
    expect(fs.readFileSync(path.join(dir, 'migration_lock.toml'), 'utf8')).toContain('provider = "sqlite"');
    // Same SQL as the checked-in initial migration: the layout round-trips.
    const initial = readMigrations(MIGRATIONS_DIR).migrationDirectories[0]!;
    expect(initial.migrationFile.content).toMatchObject({ tag: 'ok' });
    // A second run finds nothing left to create.
    expect(await createMigration('again', `file:${path.join(tmp(), 'scratch2.db')}`, dir)).toBeNull();
    await expect(createMigration('bad name', 'file::memory:', dir)).rejects.toThrow(/letters, digits and _/);
  });
});
