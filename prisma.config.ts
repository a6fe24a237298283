import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI where it has its native engine (e.g. `prisma migrate deploy`
// on a connected machine). Offline, prisma/migrate.ts applies the same migrations.
export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/duban.db' },
});
