// System.dispose and the memory pool (src/core/instance.ts): a disposed system's memory, scrubbed
// by its core (memory_scrub), serves the next createSystem. A system on a reused memory must
// observe exactly what a system on a fresh memory does, whatever the previous one did there.
import { describe, expect, test } from 'vitest';
import { createSystem, DisposedError, type Op, type System, type SystemOptions } from '../src/index.js';
import { pooledMemories, POOL_MAX } from '../src/core/instance.js';
import { defaultBuild } from '../src/core/wasm.js';
import { observables } from './helpers/scenario.js';

const build = defaultBuild();
const memoryOf = (s: System) => (s as unknown as { core: { memory: WebAssembly.Memory } }).core.memory;

/** A mixed workload: limits, protection, tasks, reclaim and OOM, swap, page cache, tmpfs, waits. */
function work(s: System): Record<string, string> {
  const v2 = s.cgroupVersion === 2;
  s.mkdir('a', v2 ? { 'memory.max': '1M', 'memory.high': '768K', 'memory.swap.max': '256K' } : { 'memory.limit_in_bytes': '1M' });
  s.mkdir('a/b');
  s.mkdir('c', v2 ? { 'memory.low': '256K' } : {});
  const t = s.spawn('a/b');
  const ops: Op[] = [];
  for (let i = 0; i < 600; i++) ops.push({ op: 'charge', cgroup: i % 3 ? 'a/b' : 'c', cpu: i % s.cpus, order: i % 50 === 0 ? 2 : 0 });
  ops.push({ op: 'wait', ms: 5 });
  const res = s.replay(ops);
  const out0: Record<string, string> = {};
  const ids = res.flatMap((r) => (r.ok && r.value > 0 ? [r.value] : []));
  s.replay(ids.filter((_, i) => i % 4 === 0).map((folio, i) => ({ op: 'uncharge', folio, cpu: i % s.cpus }) as Op));
  out0.tasks = JSON.stringify(s.replay(Array.from({ length: 64 }, (_, i) => ({ op: 'charge', task: t, cpu: i % s.cpus }) as Op)));
  const f = s.createFile({ size: 256 * 1024 }, { cgroup: 'c', cpu: 0 });
  s.readFile(f, { cgroup: 'c', cpu: 0 });
  const shm = s.createFile({ kind: 'tmpfs' }, { cgroup: 'a', cpu: 1 % s.cpus });
  s.writeFile(shm, { cgroup: 'a', cpu: 1 % s.cpus, offset: 0, length: 64 * 1024 });
  s.wait(2500);
  const out = { ...out0, ...observables(s) };
  out.results = JSON.stringify(res);
  out.cost = JSON.stringify(s.costStats());
  return out;
}

/** What system a with options aOpts leaves (it ran fill) does not show in b, made after it on its memory. */
async function reuse(aOpts: SystemOptions, fill: (a: System) => void, bOpts: SystemOptions): Promise<void> {
  expect(pooledMemories()).toBe(0);
  const fresh = await createSystem({ ...bOpts, build });
  const want = work(fresh);
  const a = await createSystem({ ...aOpts, build });
  const mem = memoryOf(a);
  fill(a);
  fresh.dispose();
  a.dispose();
  expect(pooledMemories()).toBe(2);
  const b = await createSystem({ ...bOpts, build });
  expect(pooledMemories()).toBe(1);
  const got = work(b);
  // b takes the memory disposed last (a's); take fresh's too, with a second system on it
  const b2 = await createSystem({ ...bOpts, build });
  expect(pooledMemories()).toBe(0);
  expect(memoryOf(b)).toBe(mem);
  expect(got).toEqual(want);
  expect(work(b2)).toEqual(want);
  b.dispose();
  b2.dispose();
  expect(pooledMemories()).toBe(2);
  // leave the pool empty for the next test
  await createSystem({ build, maxFolios: 64 });
  await createSystem({ build, maxFolios: 64 });
}

/** Charge until the folio table is full (ELIMIT), across many cgroups, tasks and files. */
function fillTables(a: System): void {
  for (let i = 0; i < 40; i++) a.mkdir(`g${i}`, { 'memory.max': i % 2 ? '64M' : 'max', 'memory.low': '1M' });
  const tasks = Array.from({ length: 20 }, (_, i) => a.spawn(`g${i}`));
  let elimit = 0;
  for (let i = 0; i < a.maxFolios + 100; i++) {
    const r = a.replay([{ op: 'charge', cgroup: `g${i % 40}`, cpu: i % a.cpus, order: i % 7 === 0 ? 1 : 0 }])[0];
    if (!r.ok && r.code === 'ELIMIT') elimit++;
  }
  expect(elimit).toBeGreaterThan(0);
  for (const t of tasks) a.exitTask(t);
  for (let i = 0; i < 40; i += 3) a.createFile({ size: 1 << 20 }, { cgroup: `g${i}`, cpu: 0 });
  a.wait(100);
}

describe('a system on a reused memory', () => {
  test('after a system that filled its folio table (ELIMIT), with other options: the same observables as on a fresh memory', async () => {
    await reuse(
      { maxFolios: 3000, maxCgroups: 256, topology: { nodes: 2, cpusPerNode: 4 }, swap: '8M', profile: '5.15' },
      fillTables,
      { maxFolios: 8192, maxCgroups: 64, topology: { nodes: 1, cpusPerNode: 3 }, swap: '4M', seed: 7 },
    );
  });

  test('a larger system after a smaller one (the memory grows) and v1', async () => {
    await reuse({ maxFolios: 1000, maxCgroups: 64, swap: '1M' }, fillTables, { cgroupVersion: 1, maxFolios: 1 << 16, maxCgroups: 2048, swap: '4M' });
  });

  test('cost model on, before and after: the same observables and costStats', async () => {
    await reuse(
      { costModel: true, maxFolios: 2500, maxCgroups: 128, topology: { nodes: 2, cpusPerNode: 8 }, swap: '2M' },
      fillTables,
      { costModel: true, maxFolios: 4096, topology: { nodes: 1, cpusPerNode: 4 }, swap: '4M', seed: 3 },
    );
  });

  test('the cost build after the plain one, and the plain after the cost build', async () => {
    await reuse({ maxFolios: 2000, swap: '1M' }, fillTables, { costModel: true, maxFolios: 4096, swap: '4M' });
    await reuse({ costModel: true, maxFolios: 2000, swap: '1M' }, fillTables, { maxFolios: 4096, swap: '4M' });
  });
});

describe('System.dispose', () => {
  test('idempotent; every later call throws DisposedError (never a trap), the pool keeps at most POOL_MAX', async () => {
    expect(pooledMemories()).toBe(0);
    const s = await createSystem({ build, maxFolios: 1024 });
    s.mkdir('a');
    const id = s.charge({ cgroup: 'a', cpu: 0 });
    s.dispose();
    s.dispose();
    expect(pooledMemories()).toBe(1);
    const calls: [string, () => unknown][] = [
      ['charge', () => s.charge({ cgroup: 'a', cpu: 0 })],
      ['uncharge', () => s.uncharge(id, 0)],
      ['read', () => s.read('a/memory.current')],
      ['write', () => s.write('a/memory.max', '1M')],
      ['mkdir', () => s.mkdir('b')],
      ['list', () => s.list()],
      ['counter', () => s.counter('a')],
      ['replay', () => s.replay([{ op: 'charge', cgroup: 'a', cpu: 0 }])],
      ['replayRecords', () => s.replayRecords(new Uint8Array(16))],
      ['encode', () => s.encode([{ op: 'charge', cgroup: 'a', cpu: 0 }])],
      ['simStats', () => s.simStats()],
      ['chargeBatch', () => s.chargeBatch],
      ['fn', () => s.fn('memcg_charge')],
      ['k', () => s.k('OP_CHARGE')],
    ];
    for (const [name, f] of calls) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(DisposedError);
      expect((err as DisposedError).code).toBe('EDISPOSED');
    }
    // the pool holds at most POOL_MAX memories; more disposals leave theirs to the GC
    const more = await Promise.all(Array.from({ length: POOL_MAX + 2 }, () => createSystem({ build, maxFolios: 1024 })));
    expect(pooledMemories()).toBe(0);
    for (const m of more) m.dispose();
    expect(pooledMemories()).toBe(POOL_MAX);
    for (let i = 0; i < POOL_MAX; i++) await createSystem({ build, maxFolios: 64 });
    expect(pooledMemories()).toBe(0);
  });

  test('a memory over the size cap is not pooled', async () => {
    const s = await createSystem({ build, maxFolios: 5_000_000 }); // 160 MB of folio tables
    s.dispose();
    expect(pooledMemories()).toBe(0);
  });
});
