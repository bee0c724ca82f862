// Spec §1 (commit_charge, charge statistics) and §5 (uncharge_gather batching).
import { describe, expect, test } from 'vitest';
import { codeOf, sys } from './helpers/sys.js';

describe('commit_charge and charge statistics', () => {
  test('memcg_data points at the memcg with no flag bits; node is the charging CPU\'s', async () => {
    const s = await sys({ topology: { nodes: 2, cpusPerNode: 2 } });
    s.mkdir('a');
    const f = s.charge({ cgroup: 'a', cpu: 3, order: 2, kind: 'file' });
    const info = s.folio(f)!;
    expect(info).toMatchObject({ cgroup: 'a', order: 2, nrPages: 4, kind: 'file', node: 1 });
    expect(info.memcgData & 3).toBe(0); // neither MEMCG_DATA_OBJEXTS nor MEMCG_DATA_KMEM
    const g = s.charge({ cgroup: 'a', cpu: 3, node: 0 });
    expect(s.folio(g)!.node).toBe(0);
    expect(s.nodeStat('a', 1)).toEqual({ anon: 0, file: 4, anonThp: 0, fileThp: 0 });
    expect(s.nodeStat('a', 0)).toEqual({ anon: 1, file: 0, anonThp: 0, fileThp: 0 });
  });

  test('PGPGIN counts folios, nr_page_events counts pages; a PMD THP is one event of 512 pages', async () => {
    const s = await sys();
    s.mkdir('a');
    s.charge({ cgroup: 'a', cpu: 0, order: 9 });
    s.charge({ cgroup: 'a', cpu: 0 });
    expect(s.vmEvents('a')).toEqual({ pgpgin: 2, pgpgout: 0, nrPageEvents: 513 });
    expect(s.nodeStat('a', 0)).toEqual({ anon: 513, file: 0, anonThp: 512, fileThp: 0 });
  });

  test('a folio charged to the root charges no counter but is committed', async () => {
    const s = await sys();
    const f = s.charge({ cgroup: '', cpu: 0 });
    expect(s.folio(f)!.cgroup).toBe('');
    expect(s.counter('').usage).toBe(0);
    expect(s.vmEvents('').pgpgin).toBe(1);
    s.uncharge(f);
    expect(s.counter('').usage).toBe(0);
    // 6.18: the unmapped folio still waits in CPU 0's lru_add batch, whose reference keeps it
    // until folio_batch_move_lru → folios_put → mem_cgroup_uncharge_folios (memcg1 pgpgout there).
    expect([s.folioState(f), s.vmEvents('').pgpgout]).toEqual(['batch-held', 0]);
    s.lruAddDrain(0);
    expect([s.folioState(f), s.vmEvents('').pgpgout]).toEqual(['free', 1]);
  });

  test('a failed charge creates no folio and changes no statistic', async () => {
    const s = await sys();
    s.mkdir('a', { 'memory.max': 0 });
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0 }))).toBe('ENOMEM');
    expect(s.vmEvents('a')).toEqual({ pgpgin: 0, pgpgout: 0, nrPageEvents: 0 });
    expect(s.nodeStat('a', 0).anon).toBe(0);
  });

  test('bad arguments are EINVAL and change nothing', async () => {
    const s = await sys();
    s.mkdir('a');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 1 }))).toBe('EINVAL');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, order: 10 }))).toBe('EINVAL');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, node: 1 }))).toBe('EINVAL');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_KERNAL' }))).toBe('EINVAL');
    expect(codeOf(() => s.charge({ cgroup: 'b', cpu: 0 }))).toBe('ENOENT');
    expect(s.counter('a').usage).toBe(0);
    expect(s.simStats().charges).toBe(0);
  });
});

describe('uncharge (uncharge_folio / uncharge_batch)', () => {
  test('consecutive folios of one memcg are one counter uncharge; a memcg change flushes', async () => {
    const s = await sys({ stock: false });
    s.mkdir('a');
    s.mkdir('b');
    const a1 = s.charge({ cgroup: 'a', cpu: 0 });
    const a2 = s.charge({ cgroup: 'a', cpu: 0, order: 3 });
    const b1 = s.charge({ cgroup: 'b', cpu: 0 });
    const a3 = s.charge({ cgroup: 'a', cpu: 0 });
    s.uncharge([a1, a2, b1, a3]);
    // a2 is large: folio_batch_add_and_move moved a1, a2 to the LRU; b1, a3 still wait in the
    // lru_add batch, which holds them (6.18: no lru_add_drain on the unmap path) until its
    // folios_put gathers them in batch order: b, then a — 1 + 2 uncharge_batch calls.
    expect([s.simStats().unchargeBatches, s.counter('a').usage, s.counter('b').usage]).toEqual([1, 1, 1]);
    s.lruAddDrain(0);
    expect(s.simStats().unchargeBatches).toBe(3);
    expect(s.vmEvents('a')).toEqual({ pgpgin: 3, pgpgout: 3, nrPageEvents: 20 });
    expect(s.vmEvents('b')).toEqual({ pgpgin: 1, pgpgout: 1, nrPageEvents: 2 });
    expect(s.counter('a').usage).toBe(0);
    expect(s.counter('').usage).toBe(0);
    expect(s.folio(a1)).toBeNull();
    expect(s.nodeStat('a', 0).anon).toBe(0);
  });

  test('uncharging a folio that is not charged is EINVAL; a list with one is refused whole', async () => {
    const s = await sys({ stock: false });
    s.mkdir('a');
    const f = s.charge({ cgroup: 'a', cpu: 0 });
    const g = s.charge({ cgroup: 'a', cpu: 0 });
    s.lruAddDrain(0); // on the LRU, so the uncharge below frees f at once
    expect(codeOf(() => s.uncharge(12345))).toBe('EINVAL');
    expect(codeOf(() => s.uncharge([f, 999]))).toBe('EINVAL');
    expect(codeOf(() => s.uncharge([f, g, f]))).toBe('EINVAL'); // listed twice
    expect(s.counter('a').usage).toBe(2);
    expect(s.folio(f)?.cgroup).toBe('a');
    s.uncharge(f);
    expect(codeOf(() => s.uncharge(f))).toBe('EINVAL');
    expect(s.counter('a').usage).toBe(1);
    // h unmapped while in the lru_add batch: held there, charged, but no longer a handle
    const h = s.charge({ cgroup: 'a', cpu: 0 });
    s.uncharge(h);
    expect([codeOf(() => s.uncharge(h)), codeOf(() => s.touch(h)), codeOf(() => s.mlock(h)), s.counter('a').usage]).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 2]);
  });

  test('freed folio ids are reused last-freed first', async () => {
    const s = await sys();
    s.mkdir('a');
    const ids = [0, 1, 2].map(() => s.charge({ cgroup: 'a', cpu: 0 }));
    expect(ids).toEqual([0, 1, 2]);
    s.lruAddDrain(0); // on the LRU: freed by the uncharge itself, not by a later batch drain
    s.uncharge([0, 1]);
    expect(s.charge({ cgroup: 'a', cpu: 0 })).toBe(1);
    expect(s.charge({ cgroup: 'a', cpu: 0 })).toBe(0);
    expect(s.charge({ cgroup: 'a', cpu: 0 })).toBe(3);
  });
});
