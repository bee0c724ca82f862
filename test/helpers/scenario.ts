// Shared set-up for the scenario, trace and CLI tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario, type RunOptions } from '../../src/scenario/runner.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import type { RunResult } from '../../src/report/summary.js';
import type { System } from '../../src/api/system.js';
import { InputError } from '../../src/scenario/validate.js';

/** The build under test (MEMCG_SIM_WASM=debug selects the debug build). */
export const build = process.env.MEMCG_SIM_WASM === 'debug' ? 'debug' : 'release';

/** Parse and run a scenario document; the result and each run's system. */
export async function run(doc: unknown, opts: RunOptions = {}): Promise<{ res: RunResult; systems: System[] }> {
  const systems: System[] = [];
  const res = await runScenario(parseScenario(doc), { build, keepSystems: true, ...opts, onFinish: (s) => systems.push(s) });
  return { res, systems };
}

/** The issues an InputError lists, as "path: message" lines ([] if f does not throw one). */
export async function issuesOf(f: () => unknown): Promise<string[]> {
  try {
    await f();
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

/** Every readable interface file of every cgroup, each CPU's stock, the tasks, the clock: what a user observes. */
export function observables(sys: System): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cg of sys.list()) {
    for (const f of sys.ls(cg)) {
      if (!f.startsWith('memory.') && !f.startsWith('cgroup.')) continue;
      const path = cg === '' ? f : `${cg}/${f}`;
      try {
        out[path] = sys.read(path);
      } catch {
        // write-only files (memory.reclaim, force_empty)
      }
    }
  }
  sys.flushStats('', { force: true });
  for (const cg of sys.list()) out[`${cg}/memory.stat (flushed)`] = sys.read(cg === '' ? 'memory.stat' : `${cg}/memory.stat`);
  for (let cpu = 0; cpu < sys.cpus; cpu++) out[`stock ${cpu}`] = JSON.stringify(sys.stock(cpu));
  out.simStats = JSON.stringify(sys.simStats());
  for (let t = 0; ; t++) {
    try {
      out[`task ${t}`] = JSON.stringify(sys.task(t));
    } catch {
      break; // ESRCH: no more tasks
    }
  }
  out.now = String(sys.now());
  out.swap = JSON.stringify(sys.swapDevice());
  return out;
}

export function tmp(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'memcg-sim-')), name);
}
