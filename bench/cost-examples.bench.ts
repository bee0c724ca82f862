// The cost model's price on the workloads it was built for: each validation scenario of
// examples/ (the published experiments, docs/cost-model.md) run with its cost model as given
// ("on") and with costModel false in the system and every variant ("off"). Timed: the CPU time
// of the core's replay inside the run (System.replayRecords, wrapped here: every scenario op
// reaches the core through it), not the run's setup or the host's workload generation.
// The kernel files are the same in both modes (test/cost-model-time.test.ts), so both replay the
// same records. Paired samples, the order alternating pair by pair (ABBA), after one untimed
// run of each mode; printed: each mode's median CPU ms, the per-pair on ÷ off median [min–max],
// the load average. Writes nothing: prints the table quoted in docs/cost-model.md.
//
//   PAIRS=8 npm run bench:cost-examples [-- NAME.json ...]
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createSystem, parseScenario, runScenario } from '../src/index.js';
import { median } from './machine.js';

const pairs = Number(process.env.PAIRS ?? 8);
const dir = new URL('../examples/', import.meta.url);
const files = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const gc = (globalThis as { gc?: () => void }).gc;

// every System shares one prototype: wrap its replayRecords and replayChunkView (the Replayer's)
// to sum the CPU time of the calls (the outermost only: replayChunkView past opCapacity is replayRecords)
type Replay = (r: Uint8Array) => Int32Array;
const proto = Object.getPrototypeOf(await createSystem({})) as { replayRecords: Replay; replayChunkView: Replay };
let ms = 0;
let records = 0;
let depth = 0;
for (const name of ['replayRecords', 'replayChunkView'] as const) {
  const f = proto[name];
  proto[name] = function (this: unknown, r: Uint8Array) {
    if (depth > 0) return f.call(this, r);
    depth++;
    const t0 = process.cpuUsage();
    try {
      return f.call(this, r);
    } finally {
      depth--;
      const d = process.cpuUsage(t0);
      ms += (d.user + d.system) / 1e3;
      records += r.length >>> 4;
    }
  };
}

type Doc = { system: Record<string, unknown>; variants?: Record<string, Record<string, unknown>> };
async function run(file: string, on: boolean): Promise<number> {
  const doc = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Doc;
  if (!on) {
    doc.system.costModel = false;
    for (const v of Object.values(doc.variants ?? {})) if (v.costModel !== undefined) v.costModel = false;
  }
  gc?.();
  ms = 0;
  records = 0;
  await runScenario(parseScenario(doc));
  return ms;
}

const la0 = loadavg()[0];
console.log(`| example | records | off, CPU ms | on, CPU ms | on ÷ off per pair, median [min–max] (${pairs} pairs) |`);
console.log('|---|---:|---:|---:|---:|');
for (const f of files) {
  await run(f, false);
  await run(f, true); // warm-up, untimed
  const on: number[] = [];
  const off: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const order = p % 4 === 1 || p % 4 === 2 ? [true, false] : [false, true];
    for (const o of order) (o ? on : off).push(await run(f, o));
  }
  const r = on.map((t, i) => t / off[i]);
  console.log(`| ${f} | ${records} | ${median(off).toFixed(1)} | ${median(on).toFixed(1)} | ${median(r).toFixed(2)}× [${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}] |`);
}
console.log(`load average ${la0.toFixed(2)} → ${loadavg()[0].toFixed(2)} (${new Date().toISOString().slice(0, 16)} UTC)`);
