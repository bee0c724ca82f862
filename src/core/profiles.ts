// Kernel profiles, one row each: the name users pass to createSystem, the core's profile
// id (assembly/profile.ts), and what it models.

export type ProfileName = 'single' | 'multi' | 'multi-rr' | 'pcstock';

export type Profile = {
  name: ProfileName;
  /** The core's export naming this profile's row. */
  coreId: 'PROFILE_SINGLE' | 'PROFILE_MULTI' | 'PROFILE_MULTI_RR' | 'PROFILE_PCSTOCK';
  kernels: string;
  stock: string;
};

export const PROFILES: readonly Profile[] = [
  {
    name: 'single',
    coreId: 'PROFILE_SINGLE',
    kernels: 'up to 6.15 (the seed: 5.17)',
    stock: 'one cached memcg + nr_pages per CPU; __GFP_ATOMIC forced without a max event (<= 6.2)',
  },
  {
    name: 'multi',
    coreId: 'PROFILE_MULTI',
    kernels: '6.16 – 6.18',
    stock: 'NR_MEMCG_STOCK = 7 slots per CPU, u8 nr_pages, random victim when full',
  },
  {
    name: 'multi-rr',
    coreId: 'PROFILE_MULTI_RR',
    kernels: 'mainline after 6.18 (base of the 2026 page_counter-stock series)',
    stock: '7 slots per CPU, victim chosen round-robin (drain_idx)',
  },
  {
    name: 'pcstock',
    coreId: 'PROFILE_PCSTOCK',
    kernels: 'proposal: "mm/memcontrol, page_counter: move stock from mem_cgroup to page_counter" v4 (Joshua Hahn, 23 Jun 2026) on mainline',
    stock: 'an atomic stock per CPU per page_counter (memory, and v1 memsw); cmpxchg consume, atomic_add refill, synchronous xchg drain',
  },
];

const ALIASES: Record<string, ProfileName> = { '5.17': 'single', '6.16': 'multi', '6.18': 'multi', mainline: 'multi' };

export function findProfile(name: string): Profile | undefined {
  const n = ALIASES[name] ?? name;
  return PROFILES.find((p) => p.name === n);
}
