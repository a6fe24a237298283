// Opt-in conformance check: the Temporal TypeScript SDK's own integration
// test suite (packages/test of temporalio/sdk-typescript, sources unchanged)
// run against the published npm packages and this engine.
//
//   npm run conformance:sdk [-- --only test-async-completion,test-client-errors] [--jobs 2] [--no-prepare]
//
// It prepares /work/main/.conformance (gitignored) from a local git mirror of
// the SDK repository (DUBAN_SDK_REPO, default /work/.mirror/temporalio+sdk-typescript/repo,
// ref DUBAN_SDK_REF, default HEAD) and the npm registry, compiles the tests,
// points the SDK's ephemeral-server launcher at engine/bin/duban-temporal, runs
// every test file in its own ava process (TAP), and prints
// `N passed, M failed, K skipped` plus the skip reasons. Results per test are
// written to .conformance/results.json.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSkips, titleSkips } from './skips.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const dir = join(root, '.conformance');
const srcDir = join(dir, 'src');
const testDir = join(srcDir, 'packages', 'test');
const helpersDir = join(srcDir, 'packages', 'test-helpers');
const engineRef = process.argv.includes('--engine-ref')
  ? process.argv[process.argv.indexOf('--engine-ref') + 1]
  : undefined;
const engineExe = engineRef
  ? exportEngine(engineRef)
  : resolve(process.env.DUBAN_TEMPORAL_EXE ?? join(root, 'engine', 'bin', 'duban-temporal'));

/**
 * `--engine-ref <commit>`: run against the engine as it was at that commit (for
 * before/after figures), exported under .conformance/engines/ where it still
 * resolves this repository's node_modules.
 */
function exportEngine(ref: string): string {
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root }).toString().trim();
  const out = join(root, '.conformance', 'engines', commit);
  if (!existsSync(join(out, 'engine', 'bin', 'duban-temporal'))) {
    mkdirSync(out, { recursive: true });
    const tar = execFileSync('git', ['archive', commit, 'engine'], { cwd: root, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', out], { input: tar });
    writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  }
  return join(out, 'engine', 'bin', 'duban-temporal');
}
const sdkRepo = process.env.DUBAN_SDK_REPO ?? '/work/.mirror/temporalio+sdk-typescript/repo';
const sdkRef = process.env.DUBAN_SDK_REF ?? 'HEAD';
const sdkVersion = process.env.DUBAN_SDK_VERSION ?? '1.24.0';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = opt('only')
  ?.split(',')
  .map((s) => s.replace(/\.(ts|js)$/, ''));
const jobs = Number(opt('jobs') ?? 1);
const prepareWanted = !args.includes('--no-prepare');

function sh(cmd: string, argv: string[], cwd = dir) {
  execFileSync(cmd, argv, { cwd, stdio: 'inherit' });
}

// Packages in the SDK monorepo that are published; some lag one release.
const lagging: Record<string, string> = { '@temporalio/cloud': '1.23.0', '@temporalio/lambda-worker': '1.23.0' };

function prepare() {
  if (!existsSync(sdkRepo))
    throw new Error(
      `SDK sources not found at ${sdkRepo}: fetch github:temporalio/sdk-typescript or set DUBAN_SDK_REPO`,
    );
  mkdirSync(dir, { recursive: true });
  const commit = execFileSync('git', ['--git-dir', sdkRepo, 'rev-parse', sdkRef]).toString().trim();
  const marker = join(dir, 'prepared');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === `${commit} ${sdkVersion}`) return;
  // The published packages may have been moved under src/ (monorepoLayout): reinstall them.
  rmSync(join(dir, 'node_modules', '@temporalio'), { recursive: true, force: true });
  rmSync(srcDir, { recursive: true, force: true });
  mkdirSync(srcDir, { recursive: true });
  const tar = execFileSync('git', ['--git-dir', sdkRepo, 'archive', commit, 'packages/test', 'packages/test-helpers'], {
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', srcDir], { input: tar });
  // The local test-helpers package is installed from its directory; its
  // workspace references are satisfied by the top-level install.
  const helpersPkgFile = join(helpersDir, 'package.json');
  const helpersPkg = JSON.parse(readFileSync(helpersPkgFile, 'utf8'));
  delete helpersPkg.dependencies;
  delete helpersPkg.devDependencies;
  writeFileSync(helpersPkgFile, JSON.stringify(helpersPkg, null, 2));
  const testPkg = JSON.parse(readFileSync(join(testDir, 'package.json'), 'utf8'));
  const deps: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>({ ...testPkg.dependencies, ...testPkg.devDependencies })) {
    if (k === '@temporalio/test-helpers') deps[k] = 'file:./src/packages/test-helpers';
    else deps[k] = v.startsWith('workspace:') ? (lagging[k] ?? sdkVersion) : v;
  }
  // The tests share protobufjs objects with the SDK packages: use the
  // protobufjs major the published @temporalio/proto depends on.
  const protoPkg = JSON.parse(
    execFileSync('npm', ['view', `@temporalio/proto@${sdkVersion}`, 'dependencies', '--json']).toString(),
  );
  if (protoPkg.protobufjs) deps.protobufjs = protoPkg.protobufjs;
  Object.assign(deps, {
    typescript: '~5.9.3',
    '@types/node': '^20.19.0',
    '@tsconfig/node20': '^20.1.4',
    '@types/stack-utils': '^2.0.3',
    'stack-utils': '^2.0.6',
  });
  const core = ['activity', 'client', 'common', 'core-bridge', 'proto', 'worker', 'workflow', 'testing', 'nexus'];
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'duban-sdk-conformance',
        private: true,
        dependencies: deps,
        // One copy of each core package, so packages that lag a release share it.
        overrides: Object.fromEntries(core.map((p) => [`@temporalio/${p}`, sdkVersion])),
      },
      null,
      2,
    ),
  );
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--legacy-peer-deps']);
  // Tests import `ava` etc. from their own directory; node resolution walks up to dir/node_modules.
  const tsOptions = {
    extends: '@tsconfig/node20/tsconfig.json',
    compilerOptions: {
      module: 'commonjs',
      moduleResolution: 'node',
      sourceMap: true,
      experimentalDecorators: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      noEmitOnError: false,
      outDir: './lib',
      rootDir: './src',
    },
    include: ['./src/**/*.ts'],
  };
  sh(join(root, 'node_modules', '.bin', 'tsx'), [join(testDir, 'scripts', 'compile-proto.ts')], testDir);
  for (const d of [helpersDir, testDir]) {
    writeFileSync(join(d, 'tsconfig.json'), JSON.stringify(tsOptions, null, 2));
    try {
      sh(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], d);
    } catch {
      // Type errors against the published packages are reported but do not stop emit.
      console.log(`(type errors in ${d}; JavaScript emitted anyway)`);
    }
  }
  // Some tests load the API protos from the core submodule's path; the
  // published core-bridge package ships the same files.
  symlinkSync(join(dir, 'node_modules', '@temporalio', 'core-bridge'), join(srcDir, 'packages', 'core-bridge'));
  patchLauncher();
  writeFileSync(marker, `${commit} ${sdkVersion}\n`);
}

/**
 * The suite's stack-trace assertions expect the monorepo's layout: frames of
 * SDK code relative to packages/ (`common/src/failure.ts`), while installed
 * packages print as `@temporalio/common/src/failure.ts`. Give the published
 * packages the monorepo's paths: each lives in src/packages/<name> with a
 * symlink from node_modules (Node and webpack resolve symlinks, so the real
 * path is what stack traces and source maps show; dependencies still resolve
 * from .conformance/node_modules above it). The test sources stay unchanged.
 */
function monorepoLayout() {
  // Where each package lives in the monorepo (packages/ or contrib/): the SDK's
  // bundler also matches on those paths (e.g. contrib/interceptors-opentelemetry).
  const commit = execFileSync('git', ['--git-dir', sdkRepo, 'rev-parse', sdkRef]).toString().trim();
  const home = new Map<string, string>();
  for (const p of execFileSync('git', ['--git-dir', sdkRepo, 'ls-tree', '--name-only', commit, 'packages/', 'contrib/'])
    .toString()
    .split('\n')
    .filter(Boolean))
    home.set(p.split('/')[1], p);
  const scope = join(dir, 'node_modules', '@temporalio');
  for (const name of readdirSync(scope)) {
    // core-bridge keeps its place (native module; src/packages/core-bridge already links to it).
    if (name === 'core-bridge' || name === 'test-helpers' || !home.has(name)) continue;
    const installed = join(scope, name);
    const target = join(srcDir, home.get(name)!);
    if (lstatSync(installed).isSymbolicLink()) {
      if (readlinkSync(installed) === target) continue;
      // Moved by an earlier layout to another place: move it back first.
      const old = readlinkSync(installed);
      rmSync(installed);
      renameSync(old, installed);
    }
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    renameSync(installed, target);
    symlinkSync(target, installed);
  }
}

// The SDK's ephemeral-server helper downloads the Temporal CLI / Java test
// server by default. Make the default executable our engine instead (only in
// the conformance copy of @temporalio/testing; the test sources stay unchanged).
function patchLauncher() {
  const file = join(dir, 'node_modules', '@temporalio', 'testing', 'lib', 'ephemeral-server.js');
  const js = readFileSync(file, 'utf8');
  const needle = "function toNativeEphemeralServerExecutableConfig(executable = { type: 'cached-download' }) {";
  if (!js.includes(needle)) throw new Error(`cannot patch ${file}: launcher code changed`);
  writeFileSync(
    file,
    js.replace(
      needle,
      `${needle}\n    if (process.env.DUBAN_TEMPORAL_EXE && executable.type === 'cached-download') return { type: 'existing-path', path: process.env.DUBAN_TEMPORAL_EXE };`,
    ),
  );
}

interface Result {
  file: string;
  title: string;
  status: 'passed' | 'failed' | 'skipped';
  reason?: string;
  detail?: string;
}

function countTests(file: string): number {
  const src = readFileSync(join(testDir, 'src', `${file}.ts`), 'utf8');
  return (src.match(/^\s*(?:test|t)\w*(?:\.(?:serial|failing|skip|only))*\s*\(\s*['"`]/gm) ?? []).length || 1;
}

// On a loaded machine the engine can miss the SDK's 5 s start-up window; that
// is an environment artefact, so such a file is run again (up to twice).
async function runFile(file: string): Promise<Result[]> {
  for (let attempt = 1; ; attempt++) {
    const r = await runFileOnce(file);
    const startFailed = r.some((x) => x.status === 'failed' && /did not start within 5s/.test(x.detail ?? ''));
    if (!startFailed || attempt >= 3) return r;
    console.log(`${file}: the engine missed the SDK's 5 s start-up window, running the file again`);
  }
}

function runFileOnce(file: string): Promise<Result[]> {
  const matchArgs = titleSkips.filter((s) => s.file === file).flatMap((s) => ['--match', `!${s.title}`]);
  return new Promise((done) => {
    const child = spawn(
      join(dir, 'node_modules', '.bin', 'ava'),
      ['--tap', '--timeout', '120s', ...matchArgs, `lib/${file}.js`],
      {
        cwd: testDir,
        env: { ...process.env, DUBAN_TEMPORAL_EXE: engineExe, TEST_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'ERROR' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      writeFileSync(join(dir, 'logs', `${file}.tap`), out + '\n--- stderr ---\n' + err);
      const results: Result[] = [];
      const lines = out.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const m = /^(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)(?: (.*))?)?$/.exec(lines[i]);
        if (!m) continue;
        const title = m[2].replace(/^lib[\\/][^ ]+ › /, '');
        if (m[3]) {
          results.push({
            file,
            title,
            status: 'skipped',
            reason: `skipped by the suite itself${m[4] ? `: ${m[4]}` : ''}`,
          });
          continue;
        }
        let detail = '';
        if (m[1] === 'not ok') {
          for (let j = i + 1; j < lines.length && !/^(not ok|ok) \d+/.test(lines[j]); j++) detail += lines[j] + '\n';
        }
        results.push({ file, title, status: m[1] === 'ok' ? 'passed' : 'failed', detail: detail.slice(0, 2000) });
      }
      for (const s of titleSkips.filter((x) => x.file === file))
        results.push({ file, title: s.title, status: 'skipped', reason: s.reason });
      const ran = results.filter((r) => r.status !== 'skipped').length;
      if (code !== 0 && !results.some((r) => r.status === 'failed'))
        results.push({
          file,
          title: '(file did not finish)',
          status: 'failed',
          detail: `exit ${code}; ${ran} results\n${err.slice(-2000)}`,
        });
      done(results);
    });
  });
}

async function main() {
  if (prepareWanted) prepare();
  monorepoLayout();
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const files = readdirSync(join(testDir, 'lib'))
    .filter((f) => /^test-.*\.js$/.test(f))
    .map((f) => f.replace(/\.js$/, ''))
    .filter((f) => !only || only.includes(f))
    .sort();
  const results: Result[] = [];
  const queue = files.filter((f) => {
    const skip = fileSkips.find((s) => s.file === f);
    if (!skip) return true;
    const n = countTests(f);
    for (let i = 0; i < n; i++)
      results.push({ file: f, title: `(${n} tests)`, status: 'skipped', reason: skip.reason });
    return false;
  });
  const started = Date.now();
  // Like the SDK's CI: one dev server on 127.0.0.1:7233 for the tests that
  // connect to the default address; the others start their own through the
  // (patched) ephemeral-server launcher.
  const shared = spawn(engineExe, ['server', 'start-dev', '--port', '7233', '--headless', '--log-level', 'error'], {
    stdio: 'inherit',
  });
  // Interrupted (e.g. a deadline): still report the files finished so far.
  const interrupt = () => {
    console.log('\ninterrupted: summary of the files finished so far');
    shared.kill('SIGTERM');
    summarize(results, started);
    process.exit(1);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  await new Promise((r) => setTimeout(r, 3000));
  await Promise.all(
    Array.from({ length: Math.max(1, jobs) }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const t0 = Date.now();
        const r = await runFile(f);
        results.push(...r);
        const c = (s: string) => r.filter((x) => x.status === s).length;
        console.log(
          `${f}: ${c('passed')} passed, ${c('failed')} failed, ${c('skipped')} skipped (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
        );
        for (const x of r.filter((y) => y.status === 'failed')) console.log(`    FAIL ${x.title}`);
      }
    }),
  );
  shared.kill('SIGTERM');
  summarize(results, started);
}

function summarize(results: Result[], started: number) {
  writeFileSync(join(dir, `results-${engineRef ?? 'worktree'}.json`), JSON.stringify(results, null, 2));
  const count = (s: string) => results.filter((x) => x.status === s).length;
  const reasons = new Map<string, number>();
  for (const r of results.filter((x) => x.status === 'skipped'))
    reasons.set(r.reason ?? '', (reasons.get(r.reason ?? '') ?? 0) + 1);
  console.log('\nskip reasons:');
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${r}`);
  const passed = count('passed');
  const failed = count('failed');
  console.log(
    `\n${passed} passed, ${failed} failed, ${count('skipped')} skipped` +
      ` (${((100 * passed) / Math.max(1, passed + failed)).toFixed(1)}% of applicable tests pass; ${((Date.now() - started) / 60000).toFixed(1)} min)`,
  );
  process.exitCode = failed ? 1 : 0;
}

await main();
