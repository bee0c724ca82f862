// --trace-events: the Trace Event Format (JSON object form, as chrome://tracing and
// ui.perfetto.dev load it): the format's required fields on every event, and the events'
// counts against the run (memory.events, OOM kills, reclaim and drain calls, throttled time).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runCli, type Io } from '../src/cli/commands.js';
import { exampleScenario, type ExampleName } from '../src/scenario/examples.js';
import { runScenario } from '../src/scenario/runner.js';
import { TraceEventFile, type TraceEvent } from '../src/trace/events.js';
import { build, tmp } from './helpers/scenario.js';

type Doc = { traceEvents: TraceEvent[]; displayTimeUnit: string; otherData: Record<string, unknown> };

/** The format's rules (Trace Event Format, JSON object form) for the phases written. */
function checkFormat(doc: Doc): void {
  expect(Array.isArray(doc.traceEvents)).toBe(true);
  expect(['ms', 'ns']).toContain(doc.displayTimeUnit);
  for (const e of doc.traceEvents) {
    expect(typeof e.name).toBe('string');
    expect(['M', 'C', 'X', 'i']).toContain(e.ph);
    expect(Number.isFinite(e.ts) && e.ts >= 0).toBe(true);
    expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'X') expect(e.dur! >= 0).toBe(true);
    if (e.ph === 'i') expect(['g', 'p', 't']).toContain(e.s);
    if (e.ph === 'C') expect(Object.values(e.args!).every((v) => typeof v === 'number')).toBe(true);
    if (e.ph === 'M') expect(typeof e.args!.name === 'string' || typeof e.args!.sort_index === 'number').toBe(true);
  }
}

async function traced(example: ExampleName, variant?: string, clock: 'sim' | 'ops' = 'sim') {
  const file = tmp('t.json');
  const out = new TraceEventFile(file, clock);
  const res = await runScenario(exampleScenario(example), { build, variant, traceEvents: out });
  out.close();
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Doc;
  return { res, doc, run: res.runs[0] };
}
const sum = (es: TraceEvent[], k: string) => es.reduce((n, e) => n + (e.args![k] as number), 0);
/** The pid of a cgroup's track (its process_name). */
const pidOf = (doc: Doc, name: string) => doc.traceEvents.find((e) => e.ph === 'M' && e.name === 'process_name' && e.args!.name === name)!.pid;

describe('trace events', () => {
  test('high-throttle without swap: throttle slices, high events, on the simulated clock', async () => {
    const { doc, run } = await traced('high-throttle', 'no swap');
    checkFormat(doc);
    const cpus = pidOf(doc, 'no swap: CPUs');
    const svc = pidOf(doc, 'no swap: svc');
    expect(doc.traceEvents.filter((e) => e.name === 'thread_name' && e.pid === cpus).map((e) => e.args!.name)).toEqual(['CPU 0', 'CPU 1']);
    // calculate_high_delay: leaky sleeps 37948 ms and the worker 4862 ms (docs/scenarios.md derives both).
    const slices = doc.traceEvents.filter((e) => e.name === 'memory.high throttle');
    expect(slices.every((e) => e.ph === 'X' && e.pid === cpus)).toBe(true);
    const byTask = (t: string) => slices.filter((e) => e.args!.task === t).reduce((n, e) => n + e.dur!, 0);
    expect([byTask('leaky'), byTask('worker')]).toEqual([37948000, 4862000]);
    expect(run.tasks.map((t) => t.throttledMs)).toEqual([37948, 4862]);
    // 35 refills over high × 17 reclaim rounds + 1: 596 high events, all in svc's memory.events.local.
    const high = doc.traceEvents.filter((e) => e.name === 'high' && e.ph === 'i' && e.pid === svc);
    expect(sum(high, 'count')).toBe(596);
    const reclaim = doc.traceEvents.filter((e) => e.name === 'reclaim');
    expect(sum(reclaim, 'calls')).toBe(run.sim.reclaimCalls);
    // A slice starts when its record does: never before the previous record's end, on the clock's µs.
    const ts = slices.map((e) => e.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    const current = doc.traceEvents.filter((e) => e.ph === 'C' && e.pid === svc && e.name === 'memory.current');
    expect(current.at(-1)!.args!.bytes).toBe(run.cgroups[0].usagePages * 4096);
    expect(current.at(-1)!.ts).toBeLessThanOrEqual(Math.round(run.clockMs * 1000));
  });

  test('container-oom: the OOM kill, max events, drain_all_stock, stock pages per CPU', async () => {
    const { doc, run } = await traced('container-oom', undefined, 'ops');
    checkFormat(doc);
    const c = pidOf(doc, 'container');
    const kills = doc.traceEvents.filter((e) => e.name === 'OOM kill');
    expect(kills.map((e) => [e.s, e.args!.victim, e.args!.cgroup])).toEqual([['g', 'app', 'container']]);
    expect(sum(doc.traceEvents.filter((e) => e.name === 'oom_kill' && e.pid === c), 'count')).toBe(1);
    expect(sum(doc.traceEvents.filter((e) => e.name === 'max' && e.pid === c), 'count')).toBe(run.cgroups[0].events.max);
    expect(sum(doc.traceEvents.filter((e) => e.name === 'drain_all_stock'), 'calls')).toBe(run.sim.drainAll);
    const stock = doc.traceEvents.filter((e) => e.name === 'stock pages' && e.pid === c);
    expect(Object.keys(stock[0].args!)).toEqual(['CPU 0', 'CPU 1', 'CPU 2', 'CPU 3']);
    // With the ops clock a record is a µs: the last counter is at the last record.
    expect(Math.max(...doc.traceEvents.map((e) => e.ts))).toBe(run.ops);
    // The kill is at the record of the charge that OOMed: after the 2 fills of 32M and 8M (10240 records), inside the leak.
    expect(kills[0].ts).toBeGreaterThan(10240);
    expect(kills[0].ts).toBeLessThan(10240 + 16384);
  });

  test('run and replay --trace-events on the command line: the same events', async () => {
    const io: Io = { out: () => {}, err: () => {} };
    const a = tmp('a.json');
    const b = tmp('b.json');
    const t = tmp('t.bin');
    expect(await runCli(['run', '--example', 'quickstart', '--trace-events', a], io)).toBe(0);
    await runCli(['trace', 'record', '--example', 'quickstart', '-o', t], io);
    const sys = tmp('sys.json');
    await runCli(['examples', 'quickstart'], { out: (s) => writeFileSync(sys, s), err: () => {} });
    expect(await runCli(['replay', t, '--system', sys, '--trace-events', b], io)).toBe(0);
    const ev = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as Doc).traceEvents.filter((e) => e.ph !== 'M');
    expect(ev(b)).toEqual(ev(a));
  });
});
