// Bad input gets a clear error and loses nothing; a core abort poisons the system.
import { describe, expect, test } from 'vitest';
import { createSystem, InternalError, MemcgError } from '../src/index.js';
import { codeOf, sys } from './helpers/sys.js';

describe('configuration errors', () => {
  test.each([
    [{ profile: 'linux-2.4' }, 'EINVAL'],
    [{ cgroupVersion: 3 as 1 }, 'EINVAL'],
    [{ topology: { nodes: 0, cpusPerNode: 4 } }, 'EINVAL'],
    [{ chargeBatch: 200 }, 'EINVAL'],
    [{ maxFolios: 1 << 28, maxCgroups: 1 << 24 }, 'ENOMEM'],
  ])('%j → %s', async (opts, code) => {
    await expect(createSystem(opts)).rejects.toMatchObject({ code });
  });
});

describe('errors are data', () => {
  test('a bad limit write names the file and the input, and changes nothing', async () => {
    const s = await sys();
    s.mkdir('a', { 'memory.max': '1M' });
    let err: unknown;
    try {
      s.writeLimit('a', 'memory.max', '12x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemcgError);
    expect(err).toMatchObject({ code: 'EINVAL', file: 'memory.max', input: '12x' });
    expect(s.counter('a').max).toBe(256);
  });

  test.each([
    ['1M', 256], [' 1M\n', 256], ['1k', 0], ['8K', 2], ['0x2000', 2], ['010000', 1], ['4097', 1],
    ['1G', 262144], ['max', 2251799813685247], ['8E', 2251799813685247],
    ['99E', 844424930131968], // memparse shifts in 64 bits: 99 << 60 wraps to 3 << 60
  ])('memory.max %j → %i pages (memparse, rounded down to pages)', async (input, pages) => {
    const s = await sys();
    s.mkdir('a');
    s.writeLimit('a', 'memory.max', input);
    expect(s.counter('a').max).toBe(pages);
  });

  test.each(['12x', '-1', '1MB', '1.5G', 'maxx', '0x'])('memory.max %j is EINVAL', async (input) => {
    const s = await sys();
    s.mkdir('a');
    expect(codeOf(() => s.writeLimit('a', 'memory.max', input))).toBe('EINVAL');
    expect(s.counter('a').max).toBe(2251799813685247);
  });
});

describe('a core abort', () => {
  test('becomes a typed internal error with file:line, and the system refuses further calls', async () => {
    const s = await sys();
    s.mkdir('a');
    const f = s.charge({ cgroup: 'a', cpu: 0 });
    // Corrupt the folio's memcg_data through the core's own layout export.
    const core = (s as unknown as { core: Record<string, unknown> }).core;
    const base = (core.layout_folio_table as () => number)() >>> 0;
    const stride = (core.FOLIO_STRIDE as WebAssembly.Global).value as number;
    new DataView((core.memory as WebAssembly.Memory).buffer).setUint32(base + f * stride, 1000 << 2, true);
    let err: unknown;
    try {
      s.uncharge(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InternalError);
    expect((err as InternalError).where).toMatch(/assembly\/uncharge\.ts:\d+:\d+/); // uncharge_folio's VM_BUG_ON
    expect(() => s.counter('a')).toThrow(/poisoned/);
    // Other systems are unaffected.
    const t = await sys();
    t.mkdir('a');
    expect(t.charge({ cgroup: 'a', cpu: 0 })).toBe(0);
  });
});
