// Shared test set-up: systems on the build under test (MEMCG_SIM_WASM=debug selects debug).
import { createSystem, MemcgError, type System, type SystemOptions } from '../../src/index.js';
import { expect } from 'vitest';

export { ERAS, STOCK_DESIGNS } from './eras.js';
export const MB = 1024 * 1024;

/** A memory.stat key of a cgroup (the root is ''), as a reader sees the file (lazily flushed). */
export function statKey(s: System, cgroup: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(s.read(cgroup === '' ? 'memory.stat' : `${cgroup}/memory.stat`));
  if (!m) throw new Error(`no ${key} in ${cgroup || 'the root'}'s memory.stat`);
  return Number(m[1]);
}

/**
 * A one-CPU system by default, so the stock of CPU 0 is the only one; without kmem (as booted
 * with cgroup.memory=nokmem): the expected values of the tests that use it were derived so,
 * unless a test sets kmem itself.
 */
export function sys(opts: SystemOptions = {}): Promise<System> {
  return createSystem({ topology: { nodes: 1, cpusPerNode: 1 }, kmem: false, ...opts });
}

/** Charge 1-page folios to cgroup until the charge fails; the folio ids charged. */
export function fill(s: System, cgroup: string, cpu = 0): number[] {
  const ids: number[] = [];
  for (;;) {
    try {
      ids.push(s.charge({ cgroup, cpu }));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOMEM') return ids;
      throw e;
    }
  }
}

/** The errno code a call throws, or 'ok'. */
export function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

/** The MemcgError a call throws, as "CODE message" (a call that does not throw fails the test). */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MemcgError);
    return `${(e as MemcgError).code} ${(e as Error).message}`;
  }
  throw new Error('no error');
}
