// Kernel profiles, one row per kernel era: the name users pass to createSystem, the core's
// row id (assembly/profile.ts, where the switches are), the kernels it models and the tree it
// was read in (docs/profiles.md has the behaviour × era table with the commits).

export type Profile = {
  name: string;
  /** The core's export naming this profile's row. */
  coreId:
    | 'PROFILE_5_15' | 'PROFILE_6_1' | 'PROFILE_6_6' | 'PROFILE_6_12' | 'PROFILE_MULTI' | 'PROFILE_6_18' | 'PROFILE_MAINLINE'
    | 'PROFILE_PCSTOCK';
  kernels: string;
  /** The stable tree the switches were read in (its Makefile version). */
  source: string;
  stock: string;
};

export const PROFILES = [
  {
    name: '5.15', coreId: 'PROFILE_5_15', kernels: '5.15 LTS (the seed\'s 5.17 is an alias)', source: '5.15.215',
    stock: 'one cached memcg per CPU',
  },
  { name: '6.1', coreId: 'PROFILE_6_1', kernels: '6.1 LTS', source: '6.1.166', stock: 'one cached memcg per CPU' },
  { name: '6.6', coreId: 'PROFILE_6_6', kernels: '6.6 LTS', source: '6.6.63', stock: 'one cached memcg per CPU' },
  { name: '6.12', coreId: 'PROFILE_6_12', kernels: '6.12 LTS', source: '6.12.63', stock: 'one cached memcg per CPU' },
  {
    name: 'multi', coreId: 'PROFILE_MULTI', kernels: '6.16 – 6.18.35', source: '6.18.19 (and the 6.18.36 stable diff)',
    stock: 'NR_MEMCG_STOCK = 7 slots per CPU, random victim when full',
  },
  {
    name: '6.18', coreId: 'PROFILE_6_18', kernels: '6.18.36 – 6.18.44 (the live kernel)', source: '6.18.44',
    stock: '7 slots per CPU, round-robin victim (drain_idx)',
  },
  {
    name: 'mainline', coreId: 'PROFILE_MAINLINE', kernels: 'v7.1', source: '7.1.5',
    stock: '7 slots per CPU, round-robin victim (drain_idx)',
  },
  {
    name: 'pcstock', coreId: 'PROFILE_PCSTOCK',
    kernels: 'proposal on mainline: "mm/memcontrol, page_counter: move stock from mem_cgroup to page_counter" v4 (Joshua Hahn, 23 Jun 2026)',
    source: 'the v4 patches (<20260623180124.868655-1-joshua.hahnjy@gmail.com>) on 7.1.5',
    stock: 'an atomic stock per CPU per page_counter (memory, and v1 memsw); cmpxchg consume, atomic_add refill, synchronous xchg drain',
  },
] as const satisfies readonly Profile[];

/**
 * Other names for the rows: the stock-design names ('single' is the single-slot stock of the
 * last LTS that had it, 6.12; 'multi-rr' the seven slots with the round-robin victim, 6.18),
 * the seed's 5.17 (same switches as 5.15 except the oom_group_kill event and the per-CPU
 * objcg pointer charge of 8c57c07741bf, both 5.17+), and
 * version numbers that fall in a row.
 */
export const ALIASES = {
  '5.17': '5.15',
  single: '6.12',
  '6.16': 'multi',
  '6.17': 'multi',
  'multi-rr': '6.18',
  '7.1': 'mainline',
} as const satisfies Record<string, (typeof PROFILES)[number]['name']>;

/** A profile's own name (a row of PROFILES). */
export type ProfileName = (typeof PROFILES)[number]['name'];
/** What createSystem's profile option takes: a profile's name or an alias (both from the tables above). */
export type ProfileAlias = ProfileName | keyof typeof ALIASES;

/** Every name and alias, for messages. */
export const PROFILE_NAMES: readonly ProfileAlias[] = [...PROFILES.map((p) => p.name), ...(Object.keys(ALIASES) as (keyof typeof ALIASES)[])];

export function findProfile(name: string): (typeof PROFILES)[number] | undefined {
  const n = (ALIASES as Record<string, ProfileName>)[name] ?? name;
  return PROFILES.find((p) => p.name === n);
}

/** Every name findProfile accepts: the rows, then the aliases. */
export function profileNames(): string[] {
  return [...PROFILE_NAMES];
}
