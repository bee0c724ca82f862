// Simulated time (jiffies and ktime as one nanosecond clock). It advances only when the
// workload says so (a wait op) and when a task is throttled; the periodic statistics
// flush (flush_memcg_stats_dwork, every FLUSH_TIME = 2 s) runs as the clock passes it.

import { rstat_flush_all } from "./rstat";

export const NSEC_PER_SEC: i64 = 1000000000;
export const FLUSH_TIME_NS: i64 = 2 * NSEC_PER_SEC; // FLUSH_TIME = 2 * HZ

let now: i64 = 0;
let nextFlush: i64 = FLUSH_TIME_NS;

export function clock_now(): i64 {
  return now;
}

/** Advance the clock by ns, running the periodic flusher each time it comes due. */
export function clock_advance(ns: i64): void {
  if (ns <= 0) return;
  now += ns;
  // flush_memcg_stats_dwork: a full flush of the tree (ignoring the threshold), requeued.
  if (now >= nextFlush) {
    rstat_flush_all();
    nextFlush = now - (now - nextFlush) % FLUSH_TIME_NS + FLUSH_TIME_NS;
  }
}
