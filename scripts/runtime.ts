/**
 * Bringing Duban's parts up, in one place: the embedded Temporal engine (or a
 * real cluster at TEMPORAL_ADDRESS), the database, the worker and the HTTP
 * server. `npm start`, the CLI and the end-to-end tests all go through here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { DubanConfig } from '../temporal.config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ENGINE_BIN = path.join(root, 'engine', 'bin', 'duban-temporal');

export interface TemporalHandle {
  address: string;
  embedded: boolean;
  client: Client;
  connection: Connection;
  stop(): Promise<void>;
}

async function waitForPort(host: string, port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`The embedded Temporal engine exited with code ${child.exitCode}`);
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
 * Start the embedded engine in dev mode (durable in its SQLite file), exactly
 * as the SDK starts the real Temporal CLI dev server, unless TEMPORAL_ADDRESS
 * points at a cluster.
 */
export async function connectTemporal(
  config: DubanConfig,
  log: (line: string) => void = () => {},
): Promise<TemporalHandle> {
  let child: ChildProcess | undefined;
  let address = config.temporal.address;
  if (!address) {
    const port = config.temporal.engine.port || (await freePort());
    fs.mkdirSync(path.dirname(config.temporal.engine.dbFile), { recursive: true });
    const args = [
      'server',
      'start-dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--namespace',
      config.temporal.namespace,
      '--db-filename',
      config.temporal.engine.dbFile,
      '--headless',
    ];
    // The engine's output goes to stderr: stdout stays clean for commands that print JSON.
    child = spawn(process.execPath, [ENGINE_BIN, ...args], { stdio: ['ignore', 2, 'inherit'] });
    try {
      await waitForPort('127.0.0.1', port, 10_000, child);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
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
    stop: async () => {
      await connection.close();
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Build the board when its sources are newer than the last build. */
export async function buildWebIfStale(log: (line: string) => void = () => {}): Promise<void> {
  const webDir = path.join(root, 'web');
  const built = path.join(webDir, 'dist', 'index.html');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }, 0);
  const sourcesAt = Math.max(newest(path.join(webDir, 'src')), fs.statSync(path.join(webDir, 'index.html')).mtimeMs);
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sourcesAt) return;
  log('Building the board (web/)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
}
