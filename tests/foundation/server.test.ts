import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../api/server.ts';
import { createPrisma, prepareDatabase, type PrismaClient } from '../../prisma/client.ts';
import { loadConfig } from '../../temporal.config.ts';

let server: RunningServer;
let prisma: PrismaClient;
let webRoot: string;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-http-'));
  const config = loadConfig({ DATA_DIR: dir });
  await prepareDatabase(config.databaseUrl);
  prisma = createPrisma(config.databaseUrl);
  webRoot = path.join(dir, 'web');
  fs.mkdirSync(path.join(webRoot, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>督办</title>');
  fs.writeFileSync(path.join(webRoot, 'assets', 'app.js'), 'console.log(1)');
  server = await startServer({ prisma, config, temporal: undefined }, { port: 0, host: '127.0.0.1', webRoot });
});

afterAll(async () => {
  await server.close();
  await prisma.$disconnect();
});

async function graphql(query: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string }[] } };
}

describe('HTTP server', () => {
  it('answers the health query with the versions of Node, SQLite and the Temporal SDK', async () => {
    const { status, body } = await graphql('{ health { ok node sqlite temporalSdk temporalReachable } }');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.health.node).toBe(process.versions.node);
    expect(body.data.health.sqlite).toMatch(/^3\.\d+\.\d+$/);
    expect(body.data.health.temporalSdk).toBe('1.24.0');
    // No Temporal client was given: reported, not hidden.
    expect(body.data.health).toMatchObject({ ok: false, temporalReachable: false });
  });

  it('rejects an invalid query with a GraphQL error, not a crash', async () => {
    const { body } = await graphql('{ nope }');
    // Chinese first for users, GraphQL's own words in messageEn.
    expect(body.errors?.[0]?.message).toBe('查询了不存在的字段。');
    expect((body.errors?.[0] as { extensions?: { messageEn?: string } } | undefined)?.extensions?.messageEn).toMatch(
      /Cannot query field "nope"/,
    );
  });

  it('serves the board, falls back to index.html for client routes, and refuses path traversal', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(await index.text()).toContain('督办');
    const route = await fetch(`${server.url}/tasks/abc`);
    expect(await route.text()).toContain('督办');
    const asset = await fetch(`${server.url}/assets/app.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const traversal = await fetch(`${server.url}/..%2f..%2fetc%2fpasswd`);
    expect(traversal.status).toBe(400);
    const post = await fetch(`${server.url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
