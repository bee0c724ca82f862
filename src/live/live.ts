// memcg-sim live: a scenario run on this machine's kernel and on the emulator, compared.

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { findProfile } from '../core/profiles.js';
import { InputError } from '../scenario/validate.js';
import { compare, type Comparison, type KnownDifference } from './compare.js';
import { runEmulator } from './emulator.js';
import { runKernel } from './kernel.js';
import { cgroupRoot, profileForRelease, readMachine, type MachineInfo } from './machine.js';
import { loadMeasurement, MEASUREMENT_FORMAT, MEASUREMENT_VERSION, saveMeasurement } from './measurement.js';
import { buildPlan, type Plan } from './plan.js';
import type { EmulatorRun, SideRun, StatMode } from './values.js';

export type LiveOptions = {
  /** Where the case cgroups go (default: below this process's memcg). */
  cgroupRoot?: string;
  /** Kernel runs (values that change between them are marked). */
  repeat?: number;
  /** Save the kernel runs here. */
  save?: string;
  /** Compare saved kernel runs instead of running the kernel. */
  replay?: string;
  /** Known differences (marked, and not counted in the exit status). */
  known?: KnownDifference[];
  /** The emulator profile (default: the one for the kernel release). */
  profile?: string;
  /** Run only the kernel side (for steps the emulator does not have yet). */
  kernelOnly?: boolean;
  /** Where memory.stat / numa_stat are read (2 s wait each): every checkpoint, the last (default), none. */
  stat?: StatMode;
  prefix?: string;
  dataDir?: string;
  shmDir?: string;
  opTimeoutMs?: number;
  log?: (s: string) => void;
};

export type LiveResult = {
  scenario: string;
  description: string;
  machine: MachineInfo;
  /** The emulator's profile, as asked and as resolved. */
  profile: string;
  /** Where the kernel runs came from: this machine now, or a saved file. */
  source: { kind: 'kernel'; root: string; caseDirs: string[] } | { kind: 'replay'; file: string; takenAt: string };
  runs: SideRun[];
  emulator?: EmulatorRun;
  comparison?: Comparison;
  /** Steps only the kernel side ran (--kernel-only). */
  kernelOnly: { path: string; message: string }[];
  warnings: string[];
};

/** Read a known-differences file: a JSON list of { scenario?, checkpoint?, key, reason }. */
export function loadKnown(file: string): KnownDifference[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const list = Array.isArray(json) ? json : (json as { differences?: unknown }).differences;
  if (!Array.isArray(list)) throw new InputError(file, [{ path: '(file)', message: 'expected a list of { scenario?, checkpoint?, key, reason }' }]);
  const issues = list.flatMap((k, i) => (typeof k?.key === 'string' && typeof k?.reason === 'string' ? [] : [{ path: `[${i}]`, message: 'needs key and reason (strings)' }]));
  if (issues.length) throw new InputError(file, issues);
  return list as KnownDifference[];
}

function checkProfile(p: string | undefined): void {
  if (p !== undefined && !findProfile(p)) throw new InputError('--profile', [{ path: '--profile', message: `unknown profile "${p}"` }]);
}

/** Run (or replay) a live comparison. */
export async function runLive(file: string | undefined, opts: LiveOptions = {}): Promise<LiveResult> {
  checkProfile(opts.profile);
  const stat = opts.stat ?? 'last';
  if (opts.replay !== undefined) {
    const ms = loadMeasurement(opts.replay);
    const plan = await buildPlan(ms.scenario.document, ms.machine, { name: ms.scenario.name, what: opts.replay, profile: opts.profile });
    if (plan.kernelOnly.length) throw new InputError(opts.replay, plan.kernelOnly);
    const emulator = await runEmulator(plan, { stat: ms.stat, memsw: ms.machine.memsw });
    checkShape(plan, ms.runs, opts.replay);
    const machine = ms.machine.kmem === undefined
      ? { ...ms.machine, notes: [...ms.machine.notes, 'the measurement does not say whether its kernel charged kmem (saved before memcg-sim recorded cgroup.memory=nokmem): taken as kmem on, as on the 6.18.44 machine such measurements came from'] }
      : ms.machine;
    return result(plan, machine, ms.runs, emulator, opts, { kind: 'replay', file: opts.replay, takenAt: ms.takenAt }, []);
  }
  if (file === undefined) throw new InputError('live', [{ path: '(arguments)', message: 'give a scenario file, or --replay MEASUREMENT.json' }]);
  const root = cgroupRoot(opts.cgroupRoot);
  const machine = readMachine(root);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).syscall) throw e;
    throw new InputError(file, [{ path: '(file)', message: (e as Error).message }]);
  }
  const name = basename(file).replace(/\.json$/, '');
  const plan = await buildPlan(doc, machine, { name, what: file, profile: opts.profile });
  if (plan.kernelOnly.length && !opts.kernelOnly) throw new InputError(file, plan.kernelOnly);
  // The emulator first: a scenario it cannot run fails before anything is made on the machine.
  const emulator = opts.kernelOnly ? undefined : await runEmulator(plan, { stat, memsw: machine.memsw });
  const runs: (SideRun & { caseDir: string })[] = [];
  for (let r = 1; r <= (opts.repeat ?? 1); r++) {
    opts.log?.(`kernel run ${r}`);
    runs.push(await runKernel(plan, machine, {
      root, prefix: opts.prefix ?? 'msim-', dataDir: opts.dataDir ?? tmpdir(), shmDir: opts.shmDir ?? '/dev/shm',
      stat, opTimeoutMs: opts.opTimeoutMs ?? 30000, run: r, log: opts.log,
    }));
  }
  const kernelRuns = runs.map(({ caseDir: _c, ...rest }) => rest);
  if (opts.save) {
    saveMeasurement(opts.save, {
      format: MEASUREMENT_FORMAT, version: MEASUREMENT_VERSION, scenario: { name: plan.sc.name, document: doc },
      machine, stat, takenAt: new Date().toISOString(), runs: kernelRuns,
    });
  }
  return result(plan, machine, kernelRuns, emulator, opts, { kind: 'kernel', root: root.dir, caseDirs: runs.map((r) => r.caseDir) }, plan.kernelOnly);
}

/** A saved run must have the plan's checkpoints and op count (else it was taken of another workload). */
function checkShape(plan: Plan, runs: SideRun[], what: string): void {
  const names = plan.ops.flatMap((o) => (o.t === 'checkpoint' ? [o.name] : []));
  runs.forEach((r, i) => {
    const got = r.checkpoints.map((c) => c.name);
    if (got.join('\n') !== names.join('\n')) {
      throw new InputError(what, [{ path: `runs[${i}].checkpoints`, message: `the checkpoints (${got.join(', ')}) are not the scenario's (${names.join(', ')})` }]);
    }
  });
}

function result(plan: Plan, machine: MachineInfo, runs: SideRun[], emulator: EmulatorRun | undefined, opts: LiveOptions, source: LiveResult['source'], kernelOnly: LiveResult['kernelOnly']): LiveResult {
  const profile = plan.spec.profile ?? profileForRelease(machine.release);
  return {
    scenario: plan.sc.name, description: plan.sc.description, machine, profile, source, runs, emulator,
    comparison: emulator ? compare(plan, runs, emulator, opts.known) : undefined,
    kernelOnly, warnings: [...machine.notes, ...runs.flatMap((r, i) => (r.warnings ?? []).map((w) => `run ${i + 1}: ${w}`))],
  };
}
