// effective_protection (mm/page_counter.c, 6.18) computes in unsigned long: with
// memory_recursiveprot, memory.low=max / memory.min=max on an inner cgroup hands its
// children unclaimed = PAGE_COUNTER_MAX × usage / parent_usage. The product passes 2^63 at
// 4097 pages (an i64 would turn it negative) and wraps modulo 2^64 from 8193 pages on.
import { describe, expect, test } from 'vitest';
import { codeOf, sys } from './helpers/sys.js';

const PAGE = 4096;
const PAGE_COUNTER_MAX = 2n ** 63n / 4096n - 1n; // LONG_MAX / PAGE_SIZE (2^51 - 1)
const U64 = 2n ** 64n;

/** The kernel's effective_protection of a child with no setting under a parent whose
 * effective protection is PAGE_COUNTER_MAX and whose other children claim nothing. */
function kernelUnclaimed(usage: number, parentUsage: number): number {
  return Number(((PAGE_COUNTER_MAX * BigInt(usage)) % U64) / BigInt(parentUsage));
}

describe.each(['memory.min', 'memory.low'] as const)('effective_protection in unsigned long (%s=max)', (file) => {
  const field = file === 'memory.min' ? 'emin' : 'elow';

  async function tree(pages: number) {
    const s = await sys({ stock: false, recursiveProtection: true });
    s.mkdir('A', { [file]: 'max' });
    s.mkdir('A/C');
    for (let i = 0; i < pages / 512; i++) s.charge({ cgroup: 'A/C', cpu: 0, order: 9, kind: 'file' });
    s.calculateProtection('');
    return s;
  }

  test.each([4608, 5120, 8192])('a child of %i pages (product above 2^63, below 2^64) keeps all of it', async (pages) => {
    const s = await tree(pages);
    expect(s.counter('A')[field]).toBe(Number(PAGE_COUNTER_MAX)); // parent == root: the setting
    expect(kernelUnclaimed(pages, pages)).toBe(Number(PAGE_COUNTER_MAX));
    expect(s.counter('A/C')[field]).toBe(Number(PAGE_COUNTER_MAX));
  });

  test.each([8704, 9216, 16384])('a child of %i pages: the product wraps modulo 2^64 as the kernel\'s does', async (pages) => {
    const s = await tree(pages);
    const want = kernelUnclaimed(pages, pages);
    expect(want).toBeLessThan(Number(PAGE_COUNTER_MAX));
    expect(s.counter('A/C')[field]).toBe(want);
    expect(want).toBeGreaterThan(pages); // still above usage: still protected
  });

  test('reclaim from the root spares the protected child (memory.reclaim on the root)', async () => {
    const s = await tree(5120);
    const before = s.counter('A/C').usage;
    const ret = codeOf(() => s.write('memory.reclaim', `${1024 * PAGE}`));
    if (file === 'memory.min') {
      // mem_cgroup_below_min: never reclaimed; 16 passes without progress give EAGAIN.
      expect(ret).toBe('EAGAIN');
      expect(s.counter('A/C').usage).toBe(before);
      expect(s.events('A/C').low).toBe(0);
    } else {
      // below low: skipped first, then breached by the memcg_low_reclaim retry (low events).
      expect(ret).toBe('ok');
      expect(s.counter('A/C').usage).toBeLessThan(before);
      expect(s.events('A/C', { local: true }).low).toBeGreaterThan(0);
    }
  });
});
