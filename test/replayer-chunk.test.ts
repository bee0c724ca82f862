// The Replayer's chunks go to the core through System.replayChunkView: a chunk of at most
// opCapacity records gives its results as a view of the core's result buffer (no array per
// chunk), a longer one replayRecords' own array; either way replayRecords' results, state and
// errors. The Replayer writes each record as four u32 words: the bytes are putOp's.
import { describe, expect, test } from 'vitest';
import { createSystem, InternalError, Replayer, type System, type SystemOptions } from '../src/index.js';
import { parseGfp } from '../src/core/gfp.js';
import { OP, putOp, RECORD_SIZE } from '../src/trace/trace.js';
import { commonOps, makeTree, randomOps, snapshot } from './helpers/ops.js';

const CAP = 64;
const OPTS: SystemOptions = { topology: { nodes: 2, cpusPerNode: 2 }, seed: 5, opCapacity: CAP };

async function systems(n: number, opts = OPTS): Promise<System[]> {
  const all = await Promise.all(Array.from({ length: n }, () => createSystem(opts)));
  for (const s of all) makeTree(s, { a: '2M', 'a/b': '1M', e: '512K' });
  return all;
}
const chunkView = (s: System, r: Uint8Array) => (s as unknown as { replayChunkView(r: Uint8Array): Int32Array }).replayChunkView(r);
const coreBuffer = (s: System) => ((s as unknown as { core: { memory: WebAssembly.Memory } }).core.memory.buffer);

describe.each([
  ['opCapacity records (a view of the result buffer)', CAP, true],
  ['opCapacity + 9 records (replayRecords\' array)', CAP + 9, false],
])('replayChunkView of %s', (_name, n, view) => {
  test('replayRecords\' results and state', async () => {
    const [x, y] = await systems(2);
    const pre = x.encode(randomOps(11, 200, 4, 2));
    x.replayRecords(pre);
    y.replayRecords(pre);
    const recs = x.encode(commonOps(12, 2 * n, 4, 2).filter((o) => o.op !== 'uncharge-list').slice(0, n));
    expect(recs.length / RECORD_SIZE).toBe(n);
    const want = [...x.replayRecords(recs)];
    const got = chunkView(y, recs);
    expect(got.buffer === coreBuffer(y)).toBe(view);
    expect([...got]).toEqual(want);
    expect(want.filter((c) => c > 0).length).toBeGreaterThan(5); // it charged something
    expect(snapshot(y)).toEqual(snapshot(x));
    expect(y.simStats()).toEqual(x.simStats());
  });
});

test('a core abort in replayChunkView poisons the system (InternalError), as in replayRecords', async () => {
  const [s] = await systems(1);
  const f = s.charge({ cgroup: 'a', cpu: 0 });
  // Corrupt the folio's memcg_data through the core's own layout export (errors.test.ts).
  const core = (s as unknown as { core: Record<string, unknown> }).core;
  const base = (core.layout_folio_table as () => number)() >>> 0;
  const stride = (core.FOLIO_STRIDE as WebAssembly.Global).value as number;
  new DataView((core.memory as WebAssembly.Memory).buffer).setUint32(base + f * stride, 1000 << 2, true);
  expect(() => chunkView(s, s.encode([{ op: 'uncharge', folio: f, cpu: 0 }]))).toThrow(InternalError);
  expect(() => s.counter('a')).toThrow(/poisoned/);
});

/** Trace records (cgroup indices, folio handles) of charges, uncharges, socket ops and waits. */
function traceOps(s: System, paths: string[], n: number): number[][] {
  const gfp = parseGfp('GFP_KERNEL', (k) => s.k(k));
  const out: number[][] = [];
  const live: number[] = [];
  let next = 0;
  let seed = 7;
  const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
  for (let i = 0; i < n; i++) {
    const r = rnd(10);
    if (r < 5 || live.length === 0) {
      out.push([OP.CHARGE, rnd(2), rnd(2), rnd(3), rnd(4), 0, 1 + rnd(paths.length - 1), gfp]);
      live.push(next++); // handles: no free one is reused here, so each charge takes the next
    } else if (r < 7) out.push([OP.UNCHARGE, 0, 0, 0, rnd(4), 0, live.splice(rnd(live.length), 1)[0], 0]);
    else if (r < 9) out.push([r === 7 ? OP.SK_CHARGE : OP.SK_UNCHARGE, 1 + rnd(255), 0, 0, 3, 0, 1 + rnd(paths.length - 1), r === 7 ? gfp : 0]);
    else out.push([OP.WAIT, 0, 0, 0, 0, 0, 0, rnd(2) ? 0xffffffff : 1 + rnd(1000)]);
  }
  return out;
}

test('a Replayer on a system whose op buffer is smaller than its chunk: the same counters, state and records', async () => {
  const [big, small] = await systems(2, { ...OPTS, opCapacity: 4096 }).then(async ([b]) => [b, (await systems(1, { ...OPTS, opCapacity: 8 }))[0]]);
  const paths = ['', 'a', 'a/b', 'a/c', 'e'];
  const ops = traceOps(big, paths, 3000);
  const r1 = new Replayer(big, paths, []);
  const r2 = new Replayer(small, paths, []);
  for (const o of ops) {
    r1.op(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]);
    r2.op(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]);
  }
  r1.flush();
  r2.flush();
  expect(r2.counters).toEqual(r1.counters);
  expect(r1.counters.charges).toBeGreaterThan(1000);
  expect(r1.counters.uncharged).toBeGreaterThan(100);
  expect(r1.counters.sockOps).toBeGreaterThan(300);
  expect(snapshot(small)).toEqual(snapshot(big));
  expect(small.simStats()).toEqual(big.simStats());
});

test('the records a Replayer sends are putOp\'s bytes (cgroup index → cgroup id; a and arg at their maxima)', async () => {
  const [s] = await systems(1, { ...OPTS, opCapacity: 4096 });
  const paths = ['', 'a', 'a/b', 'a/c', 'e'];
  const ops = traceOps(s, paths, 2000).filter((o) => o[0] !== OP.UNCHARGE); // each record is sent, in order
  ops.push([OP.SK_CHARGE, 255, 0, 0, 3, 0, 4, parseGfp('GFP_ATOMIC', (k) => s.k(k))], [OP.WAIT, 0, 0, 0, 0, 0, 0, 0xffffffff]);
  const sent: Uint8Array[] = [];
  const r = new Replayer(s, paths, [], { onRecords: (recs) => sent.push(recs.slice()) });
  for (const o of ops) r.op(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]);
  r.flush();
  const all = new Uint8Array(sent.reduce((n, b) => n + b.length, 0));
  sent.reduce((at, b) => (all.set(b, at), at + b.length), 0);
  expect(all.length).toBe(ops.length * RECORD_SIZE);
  const want = new Uint8Array(all.length);
  const dv = new DataView(want.buffer);
  ops.forEach((o, i) => putOp(dv, i * RECORD_SIZE, o[0], o[1], o[2], o[3], o[4], o[5], o[0] === OP.WAIT ? 0 : s.id(paths[o[6]]), o[7]));
  expect(all).toEqual(want);
});
