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

/** The clock's end (i64 ns, about 292 years): time saturates there instead of wrapping. */
export const CLOCK_MAX: i64 = i64.MAX_VALUE;

/** Advance the clock by ns (saturating at CLOCK_MAX), running the periodic flusher each time it comes due. */
export function clock_advance(ns: i64): void {
  if (ns <= 0 || now == CLOCK_MAX) return;
  now = ns > CLOCK_MAX - now ? CLOCK_MAX : now + ns;
  // flush_memcg_stats_dwork: a full flush of the tree (ignoring the threshold), requeued.
  if (now >= nextFlush) {
    rstat_flush_all();
    const due = now - (now - nextFlush) % FLUSH_TIME_NS; // the last due time passed
    nextFlush = due > CLOCK_MAX - FLUSH_TIME_NS ? CLOCK_MAX : due + FLUSH_TIME_NS;
  }
}
