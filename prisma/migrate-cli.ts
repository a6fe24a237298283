/** `npm run db:migrate -- --name <name>`: create a migration from the schema diff, then apply it. */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Command } from 'commander';
import { applyPendingMigrations, createMigration } from './migrate.ts';

const program = new Command('db:migrate')
  .description('Create a migration from the difference between prisma/schema.prisma and prisma/migrations')
  .requiredOption('-n, --name <name>', 'migration name (letters, digits, _)')
  .option('--apply', 'also apply pending migrations to DATABASE_URL', false)
  .parse();

const { name, apply } = program.opts<{ name: string; apply: boolean }>();
// The diff replays existing migrations into a scratch database, never the real one.
const scratch = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duban-migrate-')), 'scratch.db');
const created = await createMigration(name, `file:${scratch}`);
console.log(
  created
    ? `Created ${path.relative(process.cwd(), created)}`
    : 'Schema is in sync with the migrations: nothing to create.',
);
if (apply) {
  const url = process.env.DATABASE_URL ?? 'file:./data/duban.db';
  const applied = await applyPendingMigrations(url);
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'No pending migrations.');
}
