// Kernel runs against the emulator: every value read at every checkpoint (and every write's
// result) compared, values that changed from one kernel run to the next marked, and the usage
// after each op followed on both sides to find the first op where they part — and to tell a
// model error from noise: another tenant of the machine (or an offline) draining the CPU's
// stock slot of a measured memcg shows as the kernel's usage changing between two ops, or as the
// kernel charging a new batch where the emulator still had stocked pages.

import type { Plan } from './plan.js';
import { monitoredOps, type EmulatorRun, type SideRun } from './values.js';

export type KnownDifference = {
  /** Globs (`*` any text) on the scenario name, the checkpoint name and the value's key. */
  scenario?: string; checkpoint?: string; key: string;
  reason: string;
};

/** agree: every kernel run gave the emulator's value; varies: the runs differ and one gave it; differ: none did. */
export type ValueStatus = 'agree' | 'varies' | 'differ';
export type ComparedValue = {
  checkpoint: string; key: string;
  /** The kernel's value in each run, and the emulator's. */
  kernel: string[]; emulator: string;
  status: ValueStatus;
  /** The kernel runs gave different values. */
  varies: boolean;
  /** Every run where it differs had noise before this checkpoint. */
  noise: boolean;
  /** The reason, when it matches a known difference. */
  known?: string;
};

export type NoiseEvent = { run: number; op: number; path: string; cgroup: string; what: string };
export type Divergence = { run: number; op: number; path: string; cgroup: string; kernelDelta: number; emulatorDelta: number; kernel: number; emulator: number };

export type Comparison = {
  values: ComparedValue[];
  /** Usage followed op by op (the first run's numbers). */
  ops: { compared: number; agree: number; firstDivergence?: Divergence };
  noise: NoiseEvent[];
  /** varies: values the kernel runs disagreed on, one of them the emulator's; differ: no run gave the emulator's value (known, after noise, or unexplained). */
  summary: { compared: number; agree: number; varies: number; differ: number; known: number; noise: number; unexplained: number };
};

const ABSENT = '(absent)';

function glob(pattern: string | undefined, s: string): boolean {
  if (pattern === undefined || pattern === '*') return true;
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(s);
}

export function matchKnown(known: KnownDifference[], scenario: string, checkpoint: string, key: string): KnownDifference | undefined {
  return known.find((k) => glob(k.scenario, scenario) && glob(k.checkpoint, checkpoint) && glob(k.key, key));
}

/** Per run, the monitored-op index from which the run had noise (Infinity: none), and the events. */
function followUsage(plan: Plan, runs: SideRun[], emu: EmulatorRun) {
  const mon = monitoredOps(plan);
  const noise: NoiseEvent[] = [];
  const noisyFrom = runs.map(() => Infinity);
  let compared = 0;
  let agree = 0;
  let firstDivergence: Divergence | undefined;
  // a whole new batch in the kernel's usage: the emulator's profile's MEMCG_CHARGE_BATCH (the release's era unless --profile)
  const BATCH = emu.chargeBatch;
  runs.forEach((k, r) => {
    const between = new Map(k.between ?? []);
    let prevWatch = -1;
    for (let i = 0; i < mon.length && i < k.usage.length; i++) {
      const o = plan.ops[mon[i]] as Extract<Plan['ops'][number], { t: 'op' }>;
      const cg = plan.sc.paths[o.watch];
      const note = (what: string) => {
        noise.push({ run: r + 1, op: i, path: o.path, cgroup: cg, what });
        noisyFrom[r] = Math.min(noisyFrom[r], mon[i]);
      };
      const pre = between.get(i);
      if (pre !== undefined && i > 0) {
        const d = pre - k.usage[i - 1];
        note(`${cg}'s usage ${d < 0 ? 'fell' : 'rose'} by ${Math.abs(d)} pages between two ops (${d < 0 ? 'a drain of its stocked pages outside the workload: another tenant took the CPU\'s stock slot, or a cgroup offline drained it' : 'a charge outside the workload'})`);
      }
      if (prevWatch === o.watch && i > 0) {
        const dk = k.usage[i] - (pre ?? k.usage[i - 1]);
        const de = emu.usage[i] - emu.usage[i - 1];
        if (r === 0) compared++;
        if (dk === de) {
          if (r === 0) agree++;
        } else if (o.charge && de === 0 && (dk === BATCH || (dk > 0 && dk < BATCH && noisyFrom[r] < mon[i]))) {
          // a whole new batch (or, after noise, the smaller charges near a limit that follow from it)
          note(`the kernel charged ${dk} page${dk > 1 ? 's' : ''} where the emulator took them from its stock for ${cg}: the kernel's stock slot had been emptied`);
        } else if (!firstDivergence && noisyFrom[r] === Infinity) {
          firstDivergence = { run: r + 1, op: i, path: o.path, cgroup: cg, kernelDelta: dk, emulatorDelta: de, kernel: k.usage[i], emulator: emu.usage[i] };
        }
      }
      prevWatch = o.watch;
    }
  });
  return { compared, agree, firstDivergence, noise, noisyFrom };
}

/** Compare kernel runs with the emulator's run of the same plan. */
export function compare(plan: Plan, runs: SideRun[], emu: EmulatorRun, known: KnownDifference[] = []): Comparison {
  const { compared, agree, firstDivergence, noise, noisyFrom } = followUsage(plan, runs, emu);
  const cpIndex = plan.ops.flatMap((o, i) => (o.t === 'checkpoint' ? [i] : []));
  const values: ComparedValue[] = [];
  const add = (checkpoint: string, key: string, kernel: string[], emulator: string, at: number) => {
    const status: ValueStatus = kernel.every((v) => v === emulator) ? 'agree' : kernel.includes(emulator) ? 'varies' : 'differ';
    const differing = kernel.flatMap((v, r) => (v === emulator ? [] : [r]));
    const k = status !== 'agree' ? matchKnown(known, plan.sc.name, checkpoint, key) : undefined;
    values.push({
      checkpoint, key, kernel, emulator, status, varies: new Set(kernel).size > 1,
      noise: status === 'differ' && differing.every((r) => noisyFrom[r] <= at), ...(k ? { known: k.reason } : {}),
    });
  };
  emu.checkpoints.forEach((e, c) => {
    const keys = new Set([...Object.keys(e.values), ...runs.flatMap((k) => Object.keys(k.checkpoints[c]?.values ?? {}))]);
    for (const key of keys) add(e.name, key, runs.map((k) => k.checkpoints[c]?.values[key] ?? ABSENT), e.values[key] ?? ABSENT, cpIndex[c]);
  });
  const wkeys = new Set([...Object.keys(emu.writes), ...runs.flatMap((k) => Object.keys(k.writes))]);
  for (const key of wkeys) add('(writes)', key, runs.map((k) => k.writes[key] ?? ABSENT), emu.writes[key] ?? ABSENT, Infinity);
  const differ = values.filter((v) => v.status === 'differ');
  return {
    values,
    ops: { compared, agree, ...(firstDivergence ? { firstDivergence } : {}) },
    noise,
    summary: {
      compared: values.length, agree: values.filter((v) => v.status === 'agree').length, varies: values.filter((v) => v.status === 'varies').length,
      differ: differ.length, known: differ.filter((v) => v.known).length,
      noise: differ.filter((v) => v.noise && !v.known).length, unexplained: differ.filter((v) => !v.known && !v.noise).length,
    },
  };
}
