/**
 * The Temporal side of Duban's processes, in one place: the embedded engine
 * (its command line, spawned and supervised) or a real cluster at
 * TEMPORAL_ADDRESS, and the client connection. `npm start`, the CLI and the
 * end-to-end tests all go through here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection.js';
import type { DubanConfig } from '../temporal.config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ENGINE_BIN = path.join(root, 'engine', 'bin', 'duban-temporal');

/** The state of each part, as `health` reports it. */
export interface PartsStatus {
  engine: 'up' | 'starting' | 'down' | 'external';
  engineRestarts: number;
  /** Since when the engine has been down (ISO), when it is. */
  engineDownSince: string | null;
}

export interface TemporalHandle {
  address: string;
  embedded: boolean;
  client: Client;
  connection: Connection;
  status(): PartsStatus;
  /** Called each time the supervised engine is back after a restart. */
  onRestart(fn: () => void): void;
  stop(): Promise<void>;
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, host, () => {
        sock.end();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A free TCP port on the loopback interface (nothing listens on it when this resolves). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * A connection to an engine started with --time-skipping that may call its
 * TestService (clock moves), through the SDK's internal option, as
 * TestWorkflowEnvironment sets it. Used by the end-to-end tests and benchmarks.
 */
export async function testServiceConnection(address: string): Promise<Connection> {
  const options = { address, [InternalConnectionOptionsSymbol]: { supportsTestService: true } };
  return Connection.connect(options as Parameters<typeof Connection.connect>[0]);
}

/**
 * The engine's dev-server command line (after `engine/bin/duban-temporal`): the one place it is
 * built, for `npm start`, the fault and durability tests alike.
 */
export function engineArgs(opts: { port: number; namespace?: string; dbFile?: string; extra?: string[] }): string[] {
  return [
    'server',
    'start-dev',
    '--port',
    String(opts.port),
    '--ip',
    '127.0.0.1',
    ...(opts.namespace ? ['--namespace', opts.namespace] : []),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    '--headless',
    ...(opts.extra ?? []),
  ];
}

/**
 * Spawn the engine and resolve once *it* says it listens (not merely once the
 * port answers: an orphaned engine from a killed run may still hold it). It
 * never outlives us (--parent-pid, --exit-on-stdin-close), and its db-file
 * lock makes a second engine on the same file exit at once; that exit is
 * reported as `locked` so the caller can wait for the orphan to go.
 */
function spawnEngine(args: string[]): Promise<{ child: ChildProcess } | { exited: number | null; locked: boolean }> {
  const child = spawn(process.execPath, [ENGINE_BIN, ...args], { stdio: ['pipe', 2, 'pipe'] });
  return new Promise((resolve) => {
    let said = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      if (said.length < 10_000) said += chunk.toString();
      if (/listening on/.test(said)) resolve({ child });
    });
    child.once('exit', (code) => resolve({ exited: code, locked: /lock|in use|EADDRINUSE/i.test(said) }));
  });
}

/**
 * Start the embedded engine in dev mode (durable in its SQLite file), exactly
 * as the SDK starts the real Temporal CLI dev server, unless TEMPORAL_ADDRESS
 * points at a cluster. The embedded engine is supervised: if it dies it is
 * started again on the same port and file, and the worker and client
 * reconnect by themselves; `status()` says what state it is in meanwhile.
 */
export async function connectTemporal(
  config: DubanConfig,
  log: (line: string) => void = () => {},
): Promise<TemporalHandle> {
  let child: ChildProcess | undefined;
  let address = config.temporal.address;
  const status: PartsStatus = { engine: 'external', engineRestarts: 0, engineDownSince: null };
  let stopping = false;
  let args: string[] = [];
  const restartListeners: (() => void)[] = [];

  async function bringUp(deadlineMs: number): Promise<ChildProcess> {
    const until = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt++) {
      const r = await spawnEngine(args);
      if ('child' in r) return r.child;
      if (Date.now() > until) throw new Error(`The embedded Temporal engine exited with code ${r.exited}`);
      // An orphan from a killed run holds the file or the port; it exits within a second by itself.
      if (r.locked && attempt === 0) log('An earlier engine still holds the data file; waiting for it to exit…');
      await new Promise((res) => setTimeout(res, Math.min(2_000, 200 * 2 ** attempt)));
    }
  }

  function supervise(c: ChildProcess) {
    child = c;
    status.engine = 'up';
    status.engineDownSince = null;
    c.once('exit', (code, signal) => {
      if (stopping) return;
      status.engine = 'down';
      status.engineDownSince = new Date().toISOString();
      log(`The embedded engine stopped (${signal ?? code}); restarting it…`);
      const restart = async () => {
        while (!stopping) {
          try {
            const next = await bringUp(30_000);
            if (stopping) {
              next.kill('SIGTERM');
              return;
            }
            status.engineRestarts++;
            for (const fn of restartListeners) fn();
            log(`Embedded engine is back on ${address}.`);
            supervise(next);
            return;
          } catch (err) {
            log(`Engine restart failed: ${(err as Error).message}; retrying.`);
          }
        }
      };
      void restart();
    });
  }

  if (!address) {
    const port = config.temporal.engine.port || (await freePort());
    fs.mkdirSync(path.dirname(config.temporal.engine.dbFile), { recursive: true });
    args = engineArgs({
      port,
      namespace: config.temporal.namespace,
      dbFile: config.temporal.engine.dbFile,
      extra: ['--parent-pid', String(process.pid), '--exit-on-stdin-close'],
    });
    status.engine = 'starting';
    supervise(await bringUp(15_000));
    await waitForPort('127.0.0.1', port, 10_000);
    address = `127.0.0.1:${port}`;
    log(`Embedded Temporal engine on ${address} (data: ${config.temporal.engine.dbFile})`);
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    address,
    embedded: child !== undefined,
    client,
    connection,
    status: () => ({ ...status }),
    onRestart: (fn) => void restartListeners.push(fn),
    stop: async () => {
      stopping = true;
      await connection.close();
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        // An engine that does not stop in time is killed: shutdown never hangs on it.
        const timer = setTimeout(() => child!.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
