// Seeded PRNG for every random choice the kernel makes (DESIGN rule 5): SplitMix64.
// The plain-TS reference (test/reference) implements the same generator bit for bit.

let state: u64 = 0;

/** Seed the generator (system_init). */
export function prng_seed(seed: u64): void {
  state = seed;
}

/** Next 64-bit value. */
export function prng_next(): u64 {
  state += 0x9e3779b97f4a7c15;
  let z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Uniform-ish value in [0, n): get_random_u32_below stand-in (multiply-shift on the top 32 bits). */
export function prng_below(n: u32): u32 {
  return <u32>(((prng_next() >> 32) * <u64>n) >> 32);
}
