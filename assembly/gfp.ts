// gfp_t bits the memcg charge path looks at (include/linux/gfp_types.h names; the bit
// positions are the emulator's own).
export const __GFP_HIGH: i32 = 1 << 5;
export const __GFP_IO: i32 = 1 << 6;
// ___GFP_ATOMIC (removed in 6.3): only 5.15's try_charge_memcg looks at it (F_ATOMIC_BYPASS).
export const __GFP_ATOMIC: i32 = 1 << 9;
export const __GFP_FS: i32 = 1 << 7;
export const __GFP_DIRECT_RECLAIM: i32 = 1 << 10;
export const __GFP_KSWAPD_RECLAIM: i32 = 1 << 11;
export const __GFP_RETRY_MAYFAIL: i32 = 1 << 14;
export const __GFP_NOFAIL: i32 = 1 << 15;
export const __GFP_NORETRY: i32 = 1 << 16;
export const __GFP_RECLAIM: i32 = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL: i32 = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_NOWAIT: i32 = __GFP_KSWAPD_RECLAIM;
// GFP_ATOMIC as defined up to 6.2; later kernels drop __GFP_ATOMIC, which memcg ignores from 6.0 on.
export const GFP_ATOMIC: i32 = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;

/** gfpflags_allow_blocking: the caller may enter direct reclaim. */
@inline export function gfpflags_allow_blocking(gfp: i32): bool {
  return (gfp & __GFP_DIRECT_RECLAIM) != 0;
}
