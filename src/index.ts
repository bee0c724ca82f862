// memcg-sim: a kernel-faithful emulator of the Linux memory-cgroup charge path.
export { createSystem, System } from './system.js';
export type {
  SystemOptions, Counter, CounterKind, MemoryEvents, ChargeRequest, FolioInfo, FolioKind, StockEntry, Op, OpResult, SimStats,
} from './system.js';
export { MemcgError, InternalError } from './errors.js';
export type { Errno } from './errors.js';
export { PROFILES, findProfile } from './profiles.js';
export type { Profile, ProfileName } from './profiles.js';
export { memparse, pageCounterMemparse, PAGE_SIZE, PAGE_COUNTER_MAX } from './memparse.js';
export { parseLimit, OpenFile, V2_STAT_ORDER } from './cgroupfs.js';
