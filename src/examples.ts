// Built-in examples: small stories that show what the emulator answers.

import { createSystem, type System } from './system.js';
import { mib, table } from './report.js';
import type { ProfileName } from './profiles.js';

export type Example = { name: string; summary: string; run: () => Promise<string> };

/**
 * Per-cgroup table: usage, limit, pages in stocks, memory.events max/oom, and failcnt where
 * the kernel counts it (cgroup v1's memory.failcnt; v2 has no failcnt file).
 */
export function cgroupTable(s: System): string {
  const v1 = s.cgroupVersion === 1;
  const rows = s.list().filter((p) => p !== '').map((p) => {
    const c = s.counter(p);
    const e = s.events(p);
    return [p, c.usage, mib(c.usage), mib(c.max), s.stockPages(p), ...(v1 ? [c.failcnt] : []), e.max, e.oom];
  });
  return table(['cgroup', 'pages', 'usage', 'max', 'stocked', ...(v1 ? ['failcnt'] : []), 'max_ev', 'oom_ev'], rows);
}

async function quickstart(): Promise<string> {
  const s = await createSystem({ profile: 'multi', topology: { nodes: 2, cpusPerNode: 2 }, seed: 1 });
  s.mkdir('workload', { 'memory.max': '6M' });
  s.mkdir('workload/web', { 'memory.high': '4M' });
  s.mkdir('workload/db', { 'memory.min': '2M' });
  s.mkdir('batch');
  let failed = 0;
  const folios: number[] = [];
  for (let i = 0; i < 2600; i++) {
    const cgroup = ['workload/web', 'workload/db', 'batch'][i % 3];
    try {
      folios.push(s.charge({ cgroup, cpu: i % 4 }));
    } catch {
      failed++;
    }
  }
  s.uncharge(folios.filter((_, i) => i % 5 === 0));
  const st = s.simStats();
  return [
    `2600 one-page charges round-robin over 3 cgroups from 4 CPUs (profile multi), then every`,
    `fifth folio freed. workload has memory.max 6M: ${failed} charges failed with ENOMEM.`,
    '',
    cgroupTable(s),
    '',
    `stock: ${st.stockHits} hits, ${st.stockMisses} misses, ${st.drainAll} drain_all_stock calls; ` +
      `${st.counterLevels} page_counter levels walked`,
  ].join('\n');
}

async function stockThrash(): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const profile of ['single', 'multi', 'multi-rr'] as ProfileName[]) {
    for (const memcgs of [1, 4, 7, 8, 16]) {
      const s = await createSystem({ profile, topology: { nodes: 1, cpusPerNode: 1 }, seed: 7 });
      for (let m = 0; m < memcgs; m++) s.mkdir(`m${m}`);
      for (let i = 0; i < 16000; i++) s.charge({ cgroup: `m${i % memcgs}`, cpu: 0 });
      const st = s.simStats();
      rows.push([profile, memcgs, `${((100 * st.stockHits) / st.charges).toFixed(1)}%`, st.stockEvictions, st.counterLevels]);
    }
  }
  return [
    '16000 one-page charges on one CPU, spread round-robin over N memcgs (each a child of the root).',
    'More memcgs than stock slots thrash the stock: every charge evicts a slot and walks the hierarchy.',
    '',
    table(['profile', 'memcgs', 'stock hits', 'evictions', 'levels walked'], rows),
  ].join('\n');
}

export const EXAMPLES: Example[] = [
  { name: 'quickstart', summary: 'a small cgroup tree charged from 4 CPUs: usage, stock, max/oom events per cgroup', run: quickstart },
  { name: 'stock-thrash', summary: 'more memcgs than stock slots on one CPU: single vs multi vs multi-rr', run: stockThrash },
];
