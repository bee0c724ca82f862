// Kernel profiles, one row each: the name users pass to createSystem, the core's profile
// id (assembly/profile.ts), and what it models.

export type Profile = {
  name: string;
  /** The core's export naming this profile's row. */
  coreId: 'PROFILE_SINGLE' | 'PROFILE_MULTI' | 'PROFILE_MULTI_RR';
  kernels: string;
  stock: string;
};

export const PROFILES = [
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
] as const satisfies readonly Profile[];

const ALIASES = { '5.17': 'single', '6.16': 'multi', '6.18': 'multi', mainline: 'multi' } as const satisfies Record<string, ProfileName>;

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
