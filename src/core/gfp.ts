// gfp masks by the kernel's names: 'GFP_KERNEL', 'GFP_ATOMIC|__GFP_NOFAIL', …

import { MemcgError } from './errors.js';

export const GFP_NAMES = [
  'GFP_KERNEL', 'GFP_NOWAIT', 'GFP_ATOMIC', '__GFP_HIGH', '__GFP_ATOMIC', '__GFP_IO', '__GFP_FS', '__GFP_DIRECT_RECLAIM',
  '__GFP_KSWAPD_RECLAIM', '__GFP_NOFAIL', '__GFP_NORETRY', '__GFP_RETRY_MAYFAIL',
] as const;

/** A gfp flag by its kernel name. */
export type GfpName = (typeof GFP_NAMES)[number];
/** A gfp mask as the kernel writes it: up to three names joined by '|' (parseGfp takes any number). */
export type Gfp = '0' | GfpName | `${GfpName}|${GfpName}` | `${GfpName}|${GfpName}|${GfpName}`;

/** Parse 'A|B|…' into the core's mask; value(name) reads the core's constant. */
export function parseGfp(spec: unknown, value: (name: string) => number): number {
  if (typeof spec !== 'string') {
    throw new MemcgError('EINVAL', `gfp must be a string of flag names like "GFP_KERNEL|__GFP_NOFAIL", not ${spec === null ? 'null' : typeof spec === 'object' ? 'an object' : String(spec)}`);
  }
  let mask = 0;
  for (const raw of spec.split('|')) {
    const name = raw.trim();
    if (name === '0') continue; // no flag at all (alloc_pages_nolock's charge: no reclaim bit)
    if (!(GFP_NAMES as readonly string[]).includes(name)) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      throw new MemcgError('EINVAL', `unknown gfp flag "${shown}" (known: ${GFP_NAMES.join(', ')}, or 0)`, { input: spec.length > 64 ? `${spec.slice(0, 64)}…` : spec });
    }
    mask |= value(name);
  }
  return mask;
}
