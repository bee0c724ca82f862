// gfp masks by the kernel's names: 'GFP_KERNEL', 'GFP_ATOMIC|__GFP_NOFAIL', …

import { MemcgError } from './errors.js';

export const GFP_NAMES = [
  'GFP_KERNEL', 'GFP_NOWAIT', 'GFP_ATOMIC', '__GFP_HIGH', '__GFP_ATOMIC', '__GFP_IO', '__GFP_FS', '__GFP_DIRECT_RECLAIM',
  '__GFP_KSWAPD_RECLAIM', '__GFP_NOFAIL', '__GFP_NORETRY', '__GFP_RETRY_MAYFAIL',
] as const;

/** Parse 'A|B|…' into the core's mask; value(name) reads the core's constant. */
export function parseGfp(spec: string, value: (name: string) => number): number {
  let mask = 0;
  for (const raw of spec.split('|')) {
    const name = raw.trim();
    if (name === '0') continue; // no flag at all (alloc_pages_nolock's charge: no reclaim bit)
    if (!(GFP_NAMES as readonly string[]).includes(name)) {
      throw new MemcgError('EINVAL', `unknown gfp flag "${name}" (known: ${GFP_NAMES.join(', ')}, or 0)`, { input: spec });
    }
    mask |= value(name);
  }
  return mask;
}
