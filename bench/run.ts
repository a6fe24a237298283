/**
 * `npm run bench -- [name …]`: run the named benchmarks (default: every
 * bench/<name>.ts but this runner and the opt-in ones: `scale` runs the whole
 * system at 10,000 tasks for the better part of an hour, so it runs only when named). Each module exports
 * `async function run(): Promise<Record<string, unknown>>`; its figures are
 * printed as one JSON object per line on stdout: {"bench": name, ...figures}.
 * A benchmark that is missing or fails prints {"bench": name, "error": …}
 * and the others still run; the exit code is then 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const RUNNER = path.basename(fileURLToPath(import.meta.url), '.ts');
/** Run only when named: `npm run bench -- scale` (or `npm run bench:scale`). */
const OPT_IN = new Set(['scale']);

function available(): string[] {
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .filter((name) => name !== RUNNER)
    .sort();
}

async function runOne(name: string): Promise<Record<string, unknown>> {
  if (!/^[\w-]+$/.test(name)) throw new Error(`invalid benchmark name "${name}"`);
  const file = path.join(benchDir, `${name}.ts`);
  if (name === RUNNER || !fs.existsSync(file)) {
    throw new Error(`no benchmark bench/${name}.ts (available: ${available().join(', ') || 'none'})`);
  }
  const mod = (await import(pathToFileURL(file).href)) as { run?: () => Promise<Record<string, unknown>> };
  if (typeof mod.run !== 'function') throw new Error(`bench/${name}.ts does not export run()`);
  const t0 = performance.now();
  const figures = await mod.run();
  return { ...figures, totalMs: Math.round(performance.now() - t0) };
}

const names = process.argv.slice(2).filter((a) => a !== '--');
const selected = names.length ? names : available().filter((n) => !OPT_IN.has(n));

// stdout carries the results only: anything a benchmark logs goes to stderr.
const print = (line: string) => process.stdout.write(`${line}\n`);
console.log = console.info = (...args: unknown[]) => console.error(...args);

let failed = false;
for (const name of selected) {
  try {
    print(JSON.stringify({ bench: name, ...(await runOne(name)) }));
  } catch (err) {
    failed = true;
    print(JSON.stringify({ bench: name, error: err instanceof Error ? err.message : String(err) }));
  }
}
// Benchmarks may leave engines or pools behind; the results are out, so stop here.
process.exit(failed ? 1 : 0);
