// Measurement for the scale benchmark: /proc sampling (CPU and RSS per process and per app thread, the Meter), percentiles.
import fs from 'node:fs';
import os from 'node:os';

const CLK_TCK = 100;

export const round1 = (x: number) => Math.round(x * 10) / 10;

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return round1(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN);
};
export const lat = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), n: xs.length });

interface ProcSample {
  pid: number;
  cpuMs: number;
  rssMb: number;
  threads: Record<string, number>;
}

function sample(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  // CPU per thread name (main thread "node", the SDK's workflow thread, core's tokio threads, libuv pool).
  const threads: Record<string, number> = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const ts = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = ts.slice(ts.indexOf('(') + 1, ts.lastIndexOf(')'));
      const tf = ts.slice(ts.lastIndexOf(')') + 2).split(' ');
      threads[name] = (threads[name] ?? 0) + ((Number(tf[11]) + Number(tf[12])) * 1000) / CLK_TCK;
    } catch {
      // the thread ended
    }
  }
  return { pid, cpuMs, rssMb: rssKb / 1024, threads };
}

export function childPidOf(parent: number, cmdPart: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(cmdPart)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export const loadavg = () => os.loadavg().map(round1);

/** Processes to watch: the app (worker + API), the engine, and this process (the clients). */
export class Meter {
  private last: Record<string, ProcSample> = {};
  constructor(private pids: () => Record<string, number | undefined>) {
    this.reset();
  }
  reset() {
    this.last = this.take();
  }
  private take(): Record<string, ProcSample> {
    const out: Record<string, ProcSample> = {};
    for (const [k, pid] of Object.entries(this.pids())) if (pid) out[k] = sample(pid);
    out.bench = sample(process.pid);
    return out;
  }
  /** CPU used since the last reset (ms and share of one core), RSS now. */
  read(wallMs: number) {
    const now = this.take();
    const cpu: Record<string, number> = {};
    const cpuCores: Record<string, number> = {};
    const rssMb: Record<string, number> = {};
    for (const [k, s] of Object.entries(now)) {
      const d = s.cpuMs - (this.last[k]?.cpuMs ?? 0);
      cpu[k] = Math.round(d);
      cpuCores[k] = Math.round((d / wallMs) * 100) / 100;
      if (k !== 'bench') rssMb[k] = Math.round(s.rssMb);
    }
    const appThreads: Record<string, number> = {};
    if (now.app) {
      for (const [name, ms] of Object.entries(now.app.threads)) {
        const d = ms - (this.last.app?.threads[name] ?? 0);
        if (d >= 100) appThreads[name] = Math.round(d);
      }
    }
    const systemRssMb = (rssMb.app ?? 0) + (rssMb.engine ?? 0);
    const engineShareOfWorker = cpu.app ? Math.round((cpu.engine! / cpu.app) * 100) / 100 : null;
    return { cpuMs: cpu, cpuCores, appThreadsCpuMs: appThreads, rssMb, systemRssMb, engineShareOfWorker };
  }
}
