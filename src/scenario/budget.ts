// What a scenario run costs, estimated from the document before anything runs, against a
// stated budget: records replayed (time) — a file, mapping or mlock step counts one for each
// page it goes through, swapoff one for each page of the swap device —, output rows (samples, reads, inline expectation
// results), host memory (the folio-handle tables grow with the folios charged and not yet
// freed) and simulated time (the core's clock is i64 nanoseconds). A scenario over the
// budget is refused with the JSON path of the step that costs most; --allow-large
// (allowLarge) runs it anyway — samples are streamed, so only the time grows. The clock
// limit is never lifted.

import type { Scenario, Step } from './scenario.js';
import { pathText, type RawIssue } from './validate.js';

/** The limits a run is held to (each run of a variant on its own). */
export const BUDGET = {
  /** About a few seconds of replay on a laptop core (the bench's 3–9 M records/s); file steps' pages count as records. */
  records: 10_000_000,
  /** Sample rows, reads and inline expectation results of one run. */
  rows: 1_000_000,
  /** Host memory of the handle tables and the kept rows. */
  memoryBytes: 1 << 30,
} as const;
/** The simulated clock: i64 ns, about 292 years. */
export const CLOCK_MAX_MS = 9.2e12;
/** Host bytes per folio handle charged and not yet freed (the workload's and the replayer's tables). */
const HANDLE_BYTES = 48;
/** Host bytes per kept output row (a read's text, an expectation's result). */
const ROW_BYTES = 256;
/** A WAIT record carries at most 2^32 - 1 µs. */
const MAX_WAIT_US = 0xffffffff;

/** The estimate of one run: an upper bound for each. */
export type Budget = { records: number; rows: number; simulatedMs: number; memoryBytes: number };

type Cost = { records: number; charges: number; rows: number; ms: number };

/** One execution of a step (picks bounded by all the charges of the run, T; swapoff by the swap device's pages). */
function stepCost(s: Step, T: number, swapPages = 0): Cost {
  const c: Cost = { records: 0, charges: 0, rows: 0, ms: 0 };
  const waitRecords = (us: number) => Math.ceil(us / MAX_WAIT_US);
  switch (s.kind) {
    case 'charge':
      c.records = c.charges = s.count;
      break;
    case 'faults': {
      c.records = c.charges = s.folios;
      if (s.rate !== undefined) {
        const pages = 2 ** s.order;
        const perFaultUs = (pages * 1000) / s.rate + 1;
        c.records += s.folios * waitRecords(perFaultUs);
        c.ms = (s.folios * pages) / s.rate;
      }
      break;
    }
    case 'grow-then-free':
      c.charges = s.folios * s.repeat;
      c.records = 2 * c.charges;
      break;
    case 'thrash':
      c.records = c.charges = s.charges;
      break;
    case 'sockets':
      c.records = (s.server === undefined ? 2 : 4) * s.packets; // a charge and its uncharge (and the server's): no folio handle stays
      break;
    case 'free':
    case 'access':
      c.records = Math.min(s.count ?? Infinity, Math.ceil(T / s.every));
      break;
    case 'move':
      c.records = 1;
      break;
    case 'wait':
      c.records = waitRecords(s.ms * 1000);
      c.ms = s.ms;
      break;
    case 'write':
      c.records = 1;
      break;
    case 'read':
    case 'expect':
      c.rows = 1;
      break;
    case 'file-op':
      // Work in the core, not op records: each page a read, write, fault, lock or truncate visits.
      c.records = s.pages + (s.op === 'swapoff' ? swapPages : 0);
      break;
  }
  return c;
}

/** The estimate of a run of sc, and the issues of what is over the budget (unless allowLarge). */
export function budgetIssues(sc: Scenario, allowLarge: boolean): { budget: Budget; issues: RawIssue[] } {
  let T = 0;
  for (const ph of sc.phases) for (const s of ph.steps) T += ph.repeat * stepCost(s, 0).charges;
  const swap = Math.max(sc.system.swapPages ?? 0, ...sc.variants.map((v) => v.system.swapPages ?? 0));
  const files = sc.phases.some((ph) => ph.steps.some((s) => s.kind === 'file-op'));
  const total: Cost = { records: 0, charges: T, rows: 0, ms: 0 };
  const worst = { records: { path: '', n: -1 }, ms: { path: '', n: -1 }, rows: { path: '', n: -1 } };
  for (const ph of sc.phases) {
    for (const s of ph.steps) {
      const c = stepCost(s, T, swap);
      for (const k of ['records', 'rows', 'ms'] as const) {
        const n = ph.repeat * c[k];
        total[k] += n;
        if (n > worst[k].n) worst[k] = { path: s.path, n };
      }
    }
  }
  if (sc.sample) {
    const n = sc.sample.every !== undefined ? Math.floor(total.records / sc.sample.every) + 2 : Math.floor(total.ms / sc.sample.everyMs!) + 2;
    total.rows += n;
    if (n > worst.rows.n) worst.rows = { path: pathText(['sample', sc.sample.every !== undefined ? 'every' : 'everyMs']), n };
  }
  const budget: Budget = { records: total.records, rows: total.rows, simulatedMs: total.ms, memoryBytes: T * HANDLE_BYTES + total.rows * ROW_BYTES };
  const issues: RawIssue[] = [];
  const fix = 'lower a count, size, repeat or rate, or run with --allow-large (allowLarge)';
  // Whatever allowLarge says, the clock cannot hold more.
  if (!(total.ms <= CLOCK_MAX_MS)) {
    issues.push({ path: [], text: worst.ms.path, message: `the run's waits and fault rates add up to ${fmt(total.ms)} ms of simulated time (${fmt(worst.ms.n)} here): more than the clock's ${fmt(CLOCK_MAX_MS)} ms (i64 nanoseconds)` });
  }
  if (!(total.records <= Number.MAX_SAFE_INTEGER)) {
    issues.push({ path: [], text: worst.records.path, message: `about ${fmt(total.records)} records: more than a run can count (2^53)` });
  }
  if (!allowLarge) {
    if (total.records > BUDGET.records) {
      const what = files ? 'records and file pages' : 'records';
      issues.push({ path: [], text: worst.records.path, message: `the run replays up to ${fmt(total.records)} ${what} (${fmt(worst.records.n)} here): over the budget of ${fmt(BUDGET.records)} records per run; ${fix}` });
    }
    if (total.rows > BUDGET.rows) {
      issues.push({ path: [], text: worst.rows.path, message: `the run writes up to ${fmt(total.rows)} sample rows, reads and expectation results (${fmt(worst.rows.n)} here): over the budget of ${fmt(BUDGET.rows)} per run; ${fix}` });
    }
    if (budget.memoryBytes > BUDGET.memoryBytes && total.records <= BUDGET.records) {
      issues.push({ path: [], text: worst.records.path, message: `the run keeps up to ${fmt(budget.memoryBytes / 2 ** 20)} MiB of folio handles and rows: over the budget of ${BUDGET.memoryBytes / 2 ** 20} MiB; ${fix}` });
    }
  }
  return { budget, issues };
}

/** 12345678 → "12.3 M" (exact below 10^4). */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) < 1e4) return String(Math.round(n * 1000) / 1000);
  const [d, u] = n < 1e6 ? [1e3, 'k'] : n < 1e9 ? [1e6, 'M'] : n < 1e12 ? [1e9, 'G'] : [1e12, 'T'];
  return n < 1e15 ? `${(n / d).toFixed(1)} ${u}` : n.toExponential(2);
}
