// CLI entry, argument-compatible with the way the Temporal SDK launches servers:
//   duban-temporal server start-dev --port P --namespace N --ip IP [--db-filename F] ...
//   duban-temporal <port> [--enable-time-skipping] ...   (test server)
// Unknown flags are accepted and ignored so newer SDK versions keep working.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { startEngine } from './server.js';
import { DbLockedError } from './store.js';
import type { Limits } from './engine.js';

/**
 * V8 grows the heap by up to 4x its live size between full collections, and
 * the process keeps what it grew: with 5,000 open workflows the engine's live
 * heap was 116 MB at 415 MB RSS. A growth of 1.5x (DUBAN_ENGINE_HEAP_GROWING_PERCENT,
 * 0 leaves V8's default) held it at 284 MB for about 2 ms more CPU per task.
 */
const heapGrowingPercent = Number(process.env.DUBAN_ENGINE_HEAP_GROWING_PERCENT ?? 50);
if (heapGrowingPercent > 0) v8.setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);

function parse(argv: string[]) {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      let k: string;
      let v: string;
      if (eq > 0) {
        k = a.slice(2, eq);
        v = a.slice(eq + 1);
      } else {
        k = a.slice(2);
        const n = argv[i + 1];
        const boolean = ['headless', 'enable-time-skipping', 'exit-on-stdin-close'].includes(k);
        if (!boolean && n !== undefined && !n.startsWith('--')) {
          v = n;
          i++;
        } else v = 'true';
      }
      flags.set(k, [...(flags.get(k) ?? []), v]);
    } else positional.push(a);
  }
  return { flags, positional };
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { flags, positional } = parse(argv);
  const get = (k: string) => flags.get(k)?.[flags.get(k)!.length - 1];
  let opts;
  const searchAttributes: Record<string, string> = {};
  for (const sa of flags.get('search-attribute') ?? []) {
    const [k, v] = sa.split('=');
    if (k) searchAttributes[k] = v || 'Keyword';
  }
  // Dynamic config the engine honours (the rest is accepted and ignored):
  // payload size limits, as `--dynamic-config-value limit.blobSize.error=10240`.
  const limitKeys: Record<string, keyof Limits> = {
    'limit.blobSize.error': 'blobSizeError',
    'limit.blobSize.warn': 'blobSizeWarn',
    'limit.memoSize.error': 'memoSizeError',
    'limit.memoSize.warn': 'memoSizeWarn',
  };
  const limits: Partial<Limits> = {};
  for (const dc of flags.get('dynamic-config-value') ?? []) {
    const eq = dc.indexOf('=');
    const key = limitKeys[dc.slice(0, eq)];
    const value = Number(dc.slice(eq + 1).trim());
    if (eq > 0 && key && Number.isFinite(value)) limits[key] = value;
  }
  // --history-cache-mb N (or DUBAN_ENGINE_HISTORY_CACHE_MB): decoded history kept in memory.
  const cacheArg = get('history-cache-mb') ?? process.env.DUBAN_ENGINE_HISTORY_CACHE_MB;
  const historyCacheMb = cacheArg === undefined || cacheArg === '' ? undefined : Number(cacheArg);
  if (historyCacheMb !== undefined && !(historyCacheMb >= 0)) {
    process.stderr.write(`--history-cache-mb must be a number of MiB >= 0, got "${cacheArg}"\n`);
    process.exit(2);
  }
  if (positional[0] === 'server' && positional[1] === 'start-dev') {
    opts = {
      port: Number(get('port') ?? 7233),
      host: get('ip') ?? '127.0.0.1',
      // DUBAN_ENGINE_TMP_DB=1: a fresh database file even without --db-filename
      // (so a conformance run exercises the store and the history cache).
      dbFile: get('db-filename') ?? (process.env.DUBAN_ENGINE_TMP_DB === '1' ? tmpDb() : undefined),
      historyCacheMb,
      timeSkipping: false,
      namespaces: flags.get('namespace') ?? [],
      searchAttributes,
      limits,
    };
  } else if (positional.length && /^\d+$/.test(positional[0])) {
    const initial = get('initial-time');
    const initialTime = initial === undefined ? undefined : Date.parse(initial);
    if (initialTime !== undefined && Number.isNaN(initialTime)) {
      process.stderr.write(`--initial-time must be an ISO-8601 time, got "${initial}"\n`);
      process.exit(2);
    }
    opts = {
      port: Number(positional[0]),
      host: '127.0.0.1',
      dbFile: process.env.DUBAN_ENGINE_TMP_DB === '1' ? tmpDb() : undefined,
      timeSkipping: true,
      namespaces: [],
      searchAttributes,
      initialTime,
      limits,
      historyCacheMb,
    };
  } else {
    process.stderr.write(
      'usage: duban-temporal server start-dev --port P [--db-filename F] [--namespace N] | duban-temporal <port>\n',
    );
    process.exit(2);
  }
  let running;
  try {
    running = await startEngine(opts);
  } catch (err) {
    if (err instanceof DbLockedError) {
      process.stderr.write(`duban-temporal: ${err.message}\n`);
      process.exit(3);
    }
    throw err;
  }
  const quiet = (get('log-level') ?? 'warn') === 'error';
  if (!quiet)
    process.stderr.write(
      `duban-temporal listening on ${running.address}${opts.dbFile ? ` (db ${opts.dbFile})` : ''}\n`,
    );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.shutdown().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Never outlive the process that started us: --parent-pid P exits when P is
  // gone (checked every 500 ms; also catches a parent killed with -9), and
  // --exit-on-stdin-close exits when the parent's end of our stdin pipe closes.
  const parentPid = Number(get('parent-pid') ?? 0);
  if (parentPid > 0) {
    // When the parent is our direct parent, being re-parented also means it died
    // (and cannot be fooled by pid reuse).
    const direct = process.ppid === parentPid;
    const watch = setInterval(() => {
      if (!alive(parentPid) || (direct && process.ppid !== parentPid)) {
        process.stderr.write(`duban-temporal: parent process ${parentPid} is gone, shutting down\n`);
        stop();
      }
    }, 500);
    watch.unref();
  }
  if (get('exit-on-stdin-close') === 'true') {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
  // Every accepted change is already committed; a stray rejection in one RPC
  // must not take the whole server (and every worker's long polls) down.
  process.on('unhandledRejection', (e) =>
    process.stderr.write(`duban-temporal: unhandled rejection: ${String((e as Error)?.stack ?? e)}\n`),
  );
}

function tmpDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duban-engine-')), 'engine.db');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
