// Spec §4: the per-CPU stock (consume_stock, refill_stock, drain_all_stock in mm/memcontrol.c).
import { describe, expect, test } from 'vitest';
import { STOCK_DESIGNS, sys } from './helpers/sys.js';
import { ERAS, KERNEL } from './helpers/eras.js';
import { SplitMix64 } from './helpers/prng.js';

describe.each(STOCK_DESIGNS)('stock batch steps, profile %s', (profile) => {
  // Real-kernel fact (6.18, cgroup v1, one CPU): usage moves in steps of exactly 64 pages.
  test.each([
    [1, 64], [63, 64], [64, 64], [65, 128], [128, 128], [129, 192], [1000, 1024], [4000, 4032],
  ])('after %i one-page charges memory usage is %i pages', async (pages, usage) => {
    const s = await sys({ profile });
    s.mkdir('a');
    for (let i = 0; i < pages; i++) s.charge({ cgroup: 'a', cpu: 0 });
    expect(s.counter('a').usage).toBe(usage);
    expect(s.stockPages('a')).toBe(usage - pages);
  });

  test('a large folio (> MEMCG_CHARGE_BATCH) bypasses the stock: batch = nr_pages, no refill', async () => {
    const s = await sys({ profile });
    s.mkdir('a');
    s.charge({ cgroup: 'a', cpu: 0, order: 9 });
    expect(s.counter('a').usage).toBe(512);
    expect(s.stock(0)).toEqual([]);
    s.charge({ cgroup: 'a', cpu: 0, order: 4 }); // 16 pages: batch 64, 48 left in the stock
    expect(s.stock(0)).toEqual([{ cgroup: 'a', nrPages: 48 }]);
    s.charge({ cgroup: 'a', cpu: 0, order: 5 }); // 32 from the stock
    expect(s.stock(0)).toEqual([{ cgroup: 'a', nrPages: 16 }]);
    expect(s.counter('a').usage).toBe(576);
  });

  test('uncharges do not refill the stock', async () => {
    const s = await sys({ profile });
    s.mkdir('a');
    const f = s.charge({ cgroup: 'a', cpu: 0 });
    s.uncharge(f);
    // up to 6.12 the unmap drains the lru_add batch first; from 6.16 the batch holds f charged
    expect(s.counter('a').usage).toBe(KERNEL(profile).unmapDrainsLruAdd ? 63 : 64);
    s.lruAddDrain(0); // folios_put → uncharge_batch: the counter, never the stock
    expect(s.stock(0)).toEqual([{ cgroup: 'a', nrPages: 63 }]);
    expect(s.counter('a').usage).toBe(63);
  });

  test('stocks are per CPU: each CPU charges its own batch', async () => {
    const s = await sys({ profile, topology: { nodes: 1, cpusPerNode: 4 } });
    s.mkdir('a');
    for (let cpu = 0; cpu < 4; cpu++) s.charge({ cgroup: 'a', cpu });
    expect(s.counter('a').usage).toBe(4 * 64);
    for (let cpu = 0; cpu < 4; cpu++) expect(s.stock(cpu)).toEqual([{ cgroup: 'a', nrPages: 63 }]);
  });
});

describe('single slot (up to 6.15: 5.15, 6.1, 6.6, 6.12)', () => {
  test('charging another memcg on the CPU drains the cached one', async () => {
    const s = await sys({ profile: '6.12' });
    s.mkdir('a');
    s.mkdir('b');
    s.charge({ cgroup: 'a', cpu: 0 });
    s.charge({ cgroup: 'b', cpu: 0 });
    expect(s.counter('a').usage).toBe(1);
    expect(s.stock(0)).toEqual([{ cgroup: 'b', nrPages: 63 }]);
    s.charge({ cgroup: 'a', cpu: 0 });
    expect(s.counter('b').usage).toBe(1);
    expect(s.counter('a').usage).toBe(65);
  });
});

describe('seven slots (6.16+)', () => {
  async function eightMemcgs(profile: string, seed = 1) {
    const s = await sys({ profile, seed });
    const names = Array.from({ length: 9 }, (_, i) => `m${i}`);
    for (const n of names) s.mkdir(n);
    for (const n of names.slice(0, 7)) s.charge({ cgroup: n, cpu: 0 });
    return { s, names };
  }

  test('seven memcgs keep their stocks side by side', async () => {
    const { s, names } = await eightMemcgs('multi');
    expect(s.stock(0)).toEqual(names.slice(0, 7).map((cgroup) => ({ cgroup, nrPages: 63 })));
  });

  test.each([1, 2, 42, 2026])('the eighth evicts a victim drawn from the seeded PRNG (seed %i)', async (seed) => {
    const { s, names } = await eightMemcgs('multi', seed);
    s.charge({ cgroup: 'm7', cpu: 0 });
    const victim = new SplitMix64(seed).below(7);
    const expected = names.slice(0, 7).map((cgroup) => ({ cgroup, nrPages: 63 }));
    expected[victim] = { cgroup: 'm7', nrPages: 63 };
    expect(s.stock(0)).toEqual(expected);
    expect(s.counter(names[victim]).usage).toBe(1); // its 63 stocked pages went back
    expect(s.simStats().stockEvictions).toBe(1);
  });

  test.each(['6.18', 'mainline', 'multi-rr'])('%s evicts slots in turn (drain_idx)', async (profile) => {
    const { s } = await eightMemcgs(profile);
    s.charge({ cgroup: 'm7', cpu: 0 });
    s.charge({ cgroup: 'm8', cpu: 0 });
    expect(s.stock(0).map((e) => e.cgroup)).toEqual(['m7', 'm8', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(s.counter('m0').usage).toBe(1);
    expect(s.counter('m1').usage).toBe(1);
  });

  test('a charge the slot cannot cover charges a new batch and adds the rest on top (never over 64)', async () => {
    const s = await sys({ profile: 'multi' });
    s.mkdir('a');
    s.mkdir('b');
    s.charge({ cgroup: 'b', cpu: 0 });
    s.charge({ cgroup: 'a', cpu: 0, order: 4 }); // 64 charged, 48 stocked
    for (let i = 0; i < 28; i++) s.charge({ cgroup: 'a', cpu: 0 }); // 20 left
    s.charge({ cgroup: 'a', cpu: 0, order: 5 }); // 20 < 32: charge 64, refill 32 → 52
    expect(s.stock(0)).toEqual([{ cgroup: 'b', nrPages: 63 }, { cgroup: 'a', nrPages: 52 }]);
    expect(s.counter('a').usage).toBe(128);
  });
});

// The live check of docs/profiles.md, replayed: eight memcgs take turns charging one page each
// on one CPU. Measured on this machine's 6.18.44 (cgroup v1, 3 runs of 40 rounds, usage read
// after every fault): every charge after the first round missed the stock (+64 pages) and the
// memcg charged seven charges earlier lost its 63 stocked pages (912 of 912 charges, apart from
// a foreign memcg taking a slot now and then). A single-slot stock misses every time too, but
// the victim is the memcg charged just before; a random victim leaves hits.
describe.each(ERAS)('eight memcgs cycling one-page charges on one CPU, profile %s', (profile) => {
  test('stock hits and the memcg whose stocked pages go back', async () => {
    const s = await sys({ profile, cgroupVersion: 1 });
    const names = Array.from({ length: 8 }, (_, i) => `m${i}`);
    for (const n of names) s.mkdir(n);
    const { stockSlots, roundRobin, chargeBatch: B } = KERNEL(profile);
    let hits = 0;
    let cyclicEvictions = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 8; i++) {
        const before = names.map((n) => s.counter(n).usage);
        s.charge({ cgroup: names[i], cpu: 0 });
        const delta = names.map((n, j) => s.counter(n).usage - before[j]);
        if (round === 0) continue;
        if (delta[i] === 0) hits++;
        else expect(delta[i]).toBe(B); // a miss charges a batch
        // A single slot gives back the previous memcg's pages; 7 slots round-robin the one
        // filled seven charges earlier, i.e. the next memcg in the cycle.
        const expectedVictim = stockSlots === 1 ? (i + 7) % 8 : (i + 1) % 8;
        if (delta.every((d, j) => (j === expectedVictim ? d === 1 - B : j === i || d === 0))) cyclicEvictions++;
      }
    }
    if (KERNEL(profile).pcstock) {
      // v4 1/5: a stock per CPU per page_counter: every memcg keeps its own B - 1 pages.
      expect(hits).toBe(39 * 8);
    } else if (stockSlots === 1 || roundRobin) {
      expect(hits).toBe(0);
      expect(cyclicEvictions).toBe(39 * 8);
    } else {
      expect(hits).toBeGreaterThan(39 * 8 / 4); // random victims leave the next memcg cached often
    }
  });
});

describe('drain_all_stock', () => {
  test.each(STOCK_DESIGNS)('%s: drains every CPU holding pages of the subtree, other memcgs of that CPU included', async (profile) => {
    const s = await sys({ profile, topology: { nodes: 1, cpusPerNode: 3 } });
    s.mkdir('a');
    s.mkdir('a/x');
    s.mkdir('b');
    s.charge({ cgroup: 'b', cpu: 1 });
    s.charge({ cgroup: 'a/x', cpu: 1 });
    s.charge({ cgroup: 'b', cpu: 2 });
    s.drainAllStock('a', 0);
    expect(s.stock(1)).toEqual([]);
    expect(s.stock(2)).toEqual([{ cgroup: 'b', nrPages: 63 }]); // no pages of a's subtree there
    expect(s.counter('a/x').usage).toBe(1);
    // single slot: cpu 1 had only a/x cached (b was drained by the switch); multi: b drained too
    expect(s.counter('b').usage).toBe(1 + 64);
    expect(s.simStats().drainRemote).toBe(1);
  });

  test('deferred remote drain: the work runs when that CPU next does something', async () => {
    const s = await sys({ profile: 'multi', topology: { nodes: 1, cpusPerNode: 2 }, remoteDrain: 'deferred' });
    s.mkdir('a');
    s.charge({ cgroup: 'a', cpu: 1 });
    s.drainAllStock('a', 0);
    expect(s.stock(1)).toEqual([{ cgroup: 'a', nrPages: 63 }]);
    expect(s.counter('a').usage).toBe(64);
    s.charge({ cgroup: 'a', cpu: 1 }); // the queued work runs first, then this charge refills
    expect(s.counter('a').usage).toBe(2 + 63);
    expect(s.stock(1)).toEqual([{ cgroup: 'a', nrPages: 63 }]);
  });

  test('a full memcg drains the stocks of other CPUs before giving up', async () => {
    const s = await sys({ profile: 'multi', topology: { nodes: 1, cpusPerNode: 2 } });
    s.mkdir('a', { 'memory.max': 100 * 4096 });
    s.charge({ cgroup: 'a', cpu: 1 }); // 64 charged, 63 stocked on cpu 1
    let n = 1;
    for (;;) {
      try {
        s.charge({ cgroup: 'a', cpu: 0 });
        n++;
      } catch {
        break;
      }
    }
    expect(n).toBe(100); // the drain returned cpu 1's 63 pages, so all 100 became folios
    expect(s.stock(1)).toEqual([]);
  });
});
