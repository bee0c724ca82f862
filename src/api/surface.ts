// The engine's public surface, the same from both entries: memcg-sim (src/index.ts, Node) and
// memcg-sim/core (src/browser.ts). Each entry adds its own createSystem.
export { System, ReplayView } from './system.js';
export { Ops, ChargeOp, UnchargeOp } from './ops.js';
export type {
  SystemOptions, Counter, CounterKind, MemoryEvents, ChargeRequest, FolioInfo, FolioKind, StockEntry, Op, OpResult, SimStats, TaskInfo,
  FileContext, FileOptions, FileInfo,
} from './system.js';
export { MemcgError, InternalError, DisposedError } from '../core/errors.js';
export type { Errno } from '../core/errors.js';
export { PROFILES, PROFILE_NAMES, ALIASES, findProfile, profileNames } from '../core/profiles.js';
export type { Profile, ProfileName, ProfileAlias } from '../core/profiles.js';
export type { Gfp, GfpName } from '../core/gfp.js';
export { memparse, pageCounterMemparse, PAGE_SIZE, PAGE_COUNTER_MAX } from '../cgroupfs/memparse.js';
export type { WasmSource } from '../core/instance.js';
