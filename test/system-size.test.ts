// The core at every size: table sizes summed in 64 bits and refused by name past the 4 GiB of
// a wasm32 memory, configuration values checked in the host and again in the core, the
// simulated clock saturating, and the first touch of the tables at createSystem. The sizes
// are the emulator's own layout (assembly/layout.ts), not kernel numbers.
import { describe, expect, test } from 'vitest';
import { createSystem, MemcgError, type System } from '../src/index.js';
import { compiled, defaultBuild } from '../src/core/wasm.js';
import { instantiate } from '../src/core/instance.js';

const core = (s: System) => (s as unknown as { core: { memory: WebAssembly.Memory } }).core;
const refusal = async (opts: Parameters<typeof createSystem>[0]): Promise<MemcgError> => {
  try {
    await createSystem(opts);
  } catch (e) {
    return e as MemcgError;
  }
  throw new Error(`accepted ${JSON.stringify(opts)}`);
};

describe('table sizes in 64 bits', () => {
  test('64 nodes × 381 301 memcgs: the rstat table past 4 GiB is refused by name (it wrapped in 32 bits)', async () => {
    const s = await createSystem({ topology: { nodes: 1, cpusPerNode: 1 } });
    const items = s.k('NR_STAT_ITEMS');
    const e = await refusal({ topology: { nodes: 64, cpusPerNode: 1 }, maxCgroups: 381301 });
    expect(e).toBeInstanceOf(MemcgError);
    expect(e.code).toBe('ENOMEM');
    const entries = 381301 * 64 * items;
    expect(entries * 8).toBeGreaterThan(2 ** 32);
    expect(e.message).toContain(`the rstat pending table needs ${entries * 8} bytes (${entries} × 8 B)`);
    expect(e.message).toContain('4 GiB');
  });

  test('maxFolios: the refusal says how many fit; that many are accepted, one more is not', async () => {
    const opts = { topology: { nodes: 2, cpusPerNode: 128 }, maxCgroups: 10001 };
    const e = await refusal({ ...opts, maxFolios: 200_000_000 });
    const fit = Number(/at most (\d+) folios fit/.exec(e.message)?.[1]);
    expect(e.message).toMatch(/the folio \w[\w ]* table needs/);
    // The brief's configuration: 256 CPUs, 10 001 memcgs, 100 M folios.
    expect(fit).toBeGreaterThan(100_000_000);
    const s = await createSystem({ ...opts, maxFolios: fit });
    expect(core(s).memory.buffer.byteLength).toBeLessThanOrEqual(2 ** 32);
    s.mkdir('a');
    expect(s.charge({ cgroup: 'a', cpu: 255 })).toBe(0);
    await expect(createSystem({ ...opts, maxFolios: fit + 1 })).rejects.toMatchObject({ code: 'ENOMEM' });
  });

  test('the runtime heap stays below the tables after work of every kind', async () => {
    const s = await createSystem({ topology: { nodes: 2, cpusPerNode: 2 }, swap: '1M', kmem: true });
    s.mkdir('a', { 'memory.max': '1M', 'memory.high': '512K' });
    const t = s.spawn('a');
    for (let i = 0; i < 400; i++) {
      try {
        s.charge({ task: t, cpu: i % 4 });
      } catch {
        break;
      }
    }
    s.read('a/memory.stat');
    s.wait(5000);
    // The page cache, shmem and kernel memory, and a cgroup removed and made again (slot and id reuse).
    const f = s.createFile({ kind: 'tmpfs' }, { cgroup: 'a', cpu: 1 });
    s.writeFile(f, { cgroup: 'a', cpu: 1, length: '64K' });
    const d = s.createFile({ size: '256K' }, { cgroup: 'a', cpu: 2 });
    s.readFile(d, { cgroup: 'a', cpu: 2 });
    s.mmapShared({ task: t, cpu: 3, length: '32K' });
    s.exitTask(t);
    s.unlinkFile(f);
    s.mkdir('b');
    s.rmdir('b');
    s.mkdir('b');
    const fn = (n: string) => (core(s) as unknown as Record<string, () => number>)[n]();
    expect(fn('layout_heap_end')).toBeLessThan(fn('layout_base'));
  });
});

describe('configuration values', () => {
  test.each([
    [{ topology: { nodes: 1, cpusPerNode: 1.5 } }, 'topology.cpusPerNode'],
    [{ topology: { nodes: 0, cpusPerNode: 1 } }, 'topology.nodes'],
    [{ topology: { nodes: 65, cpusPerNode: 1 } }, 'topology.nodes'],
    [{ topology: { nodes: 2, cpusPerNode: 4097 } }, "more than the emulator's 8192"],
    [{ maxFolios: 1.5 }, 'maxFolios'],
    [{ maxCgroups: 0 }, 'maxCgroups'],
    [{ maxTasks: 65535 }, 'maxTasks'],
    [{ opCapacity: Number.NaN }, 'opCapacity'],
    [{ hz: 200 }, 'hz'],
    [{ seed: 0.5 }, 'seed'],
  ])('%j is EINVAL naming %s', async (opts, name) => {
    const e = await refusal(opts);
    expect(e.code).toBe('EINVAL');
    expect(e.message).toContain(name);
  });

  // The core refuses them too (a host that skipped the checks): system_init says which key.
  test.each([
    ['CFG_CPUS_PER_NODE', 1.5],
    ['CFG_NODES', 65],
    ['CFG_MAX_FOLIOS', 2 ** 32],
    ['CFG_OP_CAPACITY', -1],
    ['CFG_SEED_HI', 2 ** 32],
    ['CFG_HZ', 999],
    ['CFG_STOCK_OFF', 2],
  ])('core: %s = %d → -EINVAL, cfg_refused names it', (key, value) => {
    const c = instantiate(compiled(defaultBuild())) as unknown as Record<string, (...a: number[]) => number> & Record<string, WebAssembly.Global>;
    const set = (k: string, v: number) => c.cfg_set(c[k].value as number, v);
    const valid: [string, number][] = [
      ['CFG_CGROUP_VERSION', 2], ['CFG_PROFILE', 1], ['CFG_NODES', 1], ['CFG_CPUS_PER_NODE', 2], ['CFG_MAX_CGROUPS', 16],
      ['CFG_MAX_FOLIOS', 64], ['CFG_OP_CAPACITY', 16], ['CFG_BATCH', 64], ['CFG_MAX_TASKS', 4], ['CFG_HZ', 1000],
      ['CFG_MAX_FILE_ENTRIES', 16],
    ];
    for (const [k, v] of valid) set(k, v);
    set(key, value);
    expect(c.system_init()).toBe(-(c.EINVAL.value as number));
    expect(c.cfg_refused()).toBe(c[key].value);
  });

  test('core: the same valid block is accepted', () => {
    const c = instantiate(compiled(defaultBuild())) as unknown as Record<string, (...a: number[]) => number> & Record<string, WebAssembly.Global>;
    for (const [k, v] of [['CFG_CGROUP_VERSION', 2], ['CFG_PROFILE', 1], ['CFG_NODES', 1], ['CFG_CPUS_PER_NODE', 2], ['CFG_MAX_CGROUPS', 16],
      ['CFG_MAX_FOLIOS', 64], ['CFG_OP_CAPACITY', 16], ['CFG_BATCH', 64], ['CFG_MAX_TASKS', 4], ['CFG_HZ', 1000], ['CFG_MAX_FILE_ENTRIES', 16]] as const) {
      c.cfg_set(c[k].value as number, v);
    }
    expect(c.system_init()).toBe(0);
    expect(c.cfg_refused()).toBe(-1);
  });
});

describe('the simulated clock', () => {
  test('saturates at 2^63 - 1 ns instead of wrapping; wait of a non-finite or negative time is EINVAL', async () => {
    const s = await createSystem({ topology: { nodes: 1, cpusPerNode: 1 } });
    s.wait(1);
    for (const bad of [Infinity, -Infinity, -1, Number.NaN]) {
      expect(() => s.wait(bad)).toThrow(MemcgError);
      expect(s.now()).toBe(1);
    }
    // One wait is bounded (9.2e12 ms, the host's check); two of them pass 2^63 ns.
    expect(() => s.wait(1e300)).toThrow(MemcgError);
    s.wait(9.2e12);
    s.wait(9.2e12);
    const end = Number(2n ** 63n - 1n) / 1e6;
    expect(s.now()).toBe(end);
    s.wait(1000);
    expect(s.now()).toBe(end);
    // A replayed wait at the end of time stays there too.
    expect(s.replay([{ op: 'wait', ms: 1000 }])).toEqual([{ ok: true, value: 0 }]);
    expect(s.now()).toBe(end);
  });
});

describe('first touch of the tables', () => {
  // Page faults of this process: the touched table pages fault in createSystem (Linux).
  const faults = () => process.resourceUsage().minorPageFault;
  test.runIf(process.platform === 'linux')('prefault writes every page of the tables at createSystem', async () => {
    const opts = { topology: { nodes: 1, cpusPerNode: 1 }, maxFolios: 1 << 20 };
    await createSystem(opts);
    const f0 = faults();
    await createSystem({ ...opts, prefault: false });
    const untouched = faults() - f0;
    const f1 = faults();
    const s = await createSystem({ ...opts, prefault: true });
    const touched = faults() - f1;
    const fn = (n: string) => (core(s) as unknown as Record<string, () => number>)[n]();
    const tablePages = fn('layout_table_bytes') / 4096;
    expect(touched - untouched).toBeGreaterThan(0.9 * tablePages);
  });
});
