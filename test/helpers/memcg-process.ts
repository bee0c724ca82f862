// LTP's memcg functional harness (testcases/kernel/controllers/memcg/functional: memcg_lib.sh
// and memcg_process.c) rebuilt on the emulator's API, shared by the LTP ports
// (test/ltp-kselftest-shmem-mlock.test.ts, test/ltp-memcg-functional.test.ts).
//
// memcg_process allocates on its first SIGUSR1 and frees on the next one, each kind it was
// started with, in its handler's order: --mmap-anon (MAP_PRIVATE | MAP_ANONYMOUS, touched;
// munmap), --mmap-file (MAP_SHARED of /dev/zero: a shmem file whose last mapping frees it),
// --mmap-lock1 (MAP_LOCKED, touched), --mmap-lock2 (mmap + mlock, which faults the range in;
// EAGAIN from mlock is exit(2)), --shm (a SysV segment attached and removed at once with
// IPC_RMID, touched: shmdt frees it). SIGINT makes it exit 0; an error is exit(1); the memcg
// OOM killer's SIGKILL is status 137 as the shell's `wait` reports it.
import { expect } from 'vitest';
import type { System, SystemOptions } from '../../src/index.js';
import { createSystem } from '../../src/index.js';
import { KERNEL } from './eras.js';
import { statKey } from './sys.js';

export const PAGE = 4096;
/**
 * memcg_lib.sh PAGESIZES: on kernels >= 6.1 (and RHEL9 5.14.0-191, RHEL8 4.18.0-438) 65
 * pages, one more than MEMCG_CHARGE_BATCH (64 since 1813e51eece0, v6.1: the stats batch and
 * the charge batch); 33 before. The ports model 6.18 (the emulator's default profile, multi,
 * is 6.16–6.18.35; the development machine's 6.18.44 is profile 6.18; both batch 64).
 */
export const PAGESIZES = (KERNEL('6.18').chargeBatch + 1) * PAGE;
/** memcg_lib.sh MEM_USAGE_RANGE: how far above the allocation usage and max_usage may read (the stock's batch). */
export const MEM_USAGE_RANGE = PAGESIZES;

/**
 * A cgroup v1 system as the LTP scripts find it: one node, one CPU unless asked (so CPU 0's
 * stock is the only one), no swap unless asked, the emulator's default profile. Without the
 * per-CPU lru_add batch unless asked: memcg_lib.sh polls usage_in_bytes in 100 ms steps with
 * cat and sleep running on the machine, whose own page faults fill and drain the batch that
 * holds memcg_process's last pages (31 folios on 6.18); the emulator has no such other tenant.
 */
export async function v1System(opts: SystemOptions = {}): Promise<System> {
  return createSystem({ cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 1 }, lruAddBatch: false, ...opts });
}

/** `cat FILE` of a cgroup (the root is ''), as a number. */
export const readNum = (s: System, cgroup: string, file: string): number => Number(s.read(cgroup === '' ? file : `${cgroup}/${file}`).trim());

/** The errno a write gets, or 'ok' (the shell's EXPECT_PASS / EXPECT_FAIL of `echo V > FILE`). */
export function writeResult(s: System, path: string, value: string | number): string {
  try {
    s.write(path, value);
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

export type MemType = '--mmap-anon' | '--mmap-file' | '--mmap-lock1' | '--mmap-lock2' | '--shm';

/** memcg_process started with `types -s size` in cgroup (memcg_lib.sh start_memcg_process, from the shell's cgroup). */
export class MemcgProcess {
  readonly pid: number;
  /** wait's status once it is gone: 0 (SIGINT), 1 (an error), 2 (mlock EAGAIN), 137 (SIGKILL); null while it runs. */
  status: number | null = null;
  /** The errno of the call it died or failed in (EINTR: the OOM killer chose it in its own fault). */
  error: string | null = null;
  private allocated = false;
  private anon: number[] = [];
  private lock1: number[] = [];
  private lock2: number[] = [];
  private files: number[] = [];

  constructor(
    private readonly s: System,
    readonly types: readonly MemType[],
    readonly size: number,
    cgroup = '',
    private readonly cpu = 0,
  ) {
    this.pid = s.spawn(cgroup);
  }

  get alive(): boolean {
    return this.status === null;
  }

  /** kill -s USR1: sigusr_handler, allocating or freeing every kind in its order. */
  signal(): void {
    if (!this.alive) return;
    const pages = Math.ceil(this.size / PAGE);
    const s = this.s;
    try {
      for (const t of ['--mmap-anon', '--mmap-file', '--mmap-lock1', '--mmap-lock2', '--shm'] as const) {
        if (!this.types.includes(t)) continue;
        if (this.allocated) this.free(t);
        else if (t === '--mmap-anon') {
          for (let i = 0; i < pages; i++) this.anon.push(s.charge({ task: this.pid, cpu: this.cpu }));
        } else if (t === '--mmap-file' || t === '--shm') {
          this.files.push(s.mmapShared({ task: this.pid, cpu: this.cpu, length: this.size }));
        } else {
          const ids = this.mlocked(pages, t === '--mmap-lock2');
          if (!ids) return; // mlock EAGAIN: it exited
          (t === '--mmap-lock1' ? this.lock1 : this.lock2).push(...ids);
        }
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      this.error = code ?? null;
      // The OOM killer chose memcg_process in its own fault (EINTR), or in a kernel allocation
      // of its mmap (ENOMEM, with SIGKILL pending): it dies before it is back in user space.
      if (code === 'EINTR' || (code === 'ENOMEM' && this.s.task(this.pid).killed)) this.status = 137;
      else if (code === 'ENOMEM') this.exit(1); // err(1, "mmap … failed")
      else throw e;
      return;
    }
    this.allocated = !this.allocated;
  }

  /** The second signal's munmap / shmdt of one kind. */
  private free(t: MemType): void {
    if (t === '--mmap-anon') this.s.uncharge(this.anon.splice(0));
    else if (t === '--mmap-lock1') this.s.uncharge(this.lock1.splice(0)); // munmap of mlocked pages
    else if (t === '--mmap-lock2') this.s.uncharge(this.lock2.splice(0));
    // the last mapping of the shmem file goes: its pages are freed (mapped_file too)
    else for (const f of this.files.splice(0)) this.s.unlinkFile(f, this.cpu);
  }

  /** MAP_LOCKED + touch (lock1), or mmap + mlock (lock2): the pages faulted and locked; null if it exited. */
  private mlocked(pages: number, mlockCall: boolean): number[] | null {
    try {
      return this.s.mlockPopulate(this.pid, pages, { cpu: this.cpu });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EAGAIN' && mlockCall) {
        this.exit(2); // mlock(2) EAGAIN: exit(2)
        return null;
      }
      throw e;
    }
  }

  /** The task left the system: its memory is freed. */
  private exit(status: number): void {
    this.s.exitTask(this.pid, this.cpu);
    this.status = status;
  }

  /** `echo PID > CGROUP/tasks`: it charges there from now on, its charges stay (no charge moving on 6.18). */
  moveTo(cgroup: string): void {
    this.s.moveTask(this.pid, cgroup);
  }

  /** stop_memcg_process: kill -s INT, wait (it exits 0 unless it was gone already). */
  stop(): number {
    if (this.alive) this.exit(0);
    return this.status!;
  }

  /** The OOM killer's victim is dead by the time the shell looks (the emulator ends it as the fault returns). */
  syncKilled(): void {
    if (this.alive && this.s.task(this.pid).killed) this.status = 137;
  }
}

/**
 * memcg_lib.sh signal_memcg_process [SIZE [PATH]]: kill -s USR1; with a SIZE, poll
 * PATH/memory.usage_in_bytes (PATH: the cgroup the script is in, its cwd) every 100 ms until it
 * moved by SIZE from its value before the signal, or the process is gone; 100 polls without
 * that are the script's TBROK "timed out on memory.usage_in_bytes".
 */
export function signalMemcgProcess(s: System, p: MemcgProcess, size?: number, cwd = ''): void {
  const start = readNum(s, cwd, 'memory.usage_in_bytes');
  p.signal();
  p.syncKilled();
  if (size === undefined) return;
  for (let loops = 100; p.alive; loops--) {
    const u = readNum(s, cwd, 'memory.usage_in_bytes');
    if (start - u >= size || u - start >= size) return;
    if (loops <= 1) throw new Error(`TBROK: timed out on memory.usage_in_bytes (${u} from ${start}, ${size} expected)`);
    s.wait(100);
  }
}

/** memcg_lib.sh warmup: two signals (allocate, free) in the start cgroup, then a second; the process must still be there. */
export function warmup(s: System, p: MemcgProcess): void {
  signalMemcgProcess(s, p);
  signalMemcgProcess(s, p);
  s.wait(1000);
  expect(p.alive, `Process ${p.pid} exited with ${p.status} after warm up`).toBe(true);
}

/** `[ -e FILE ]` of a cgroup: the interface files it has. */
const hasFile = (s: System, cgroup: string, name: string): boolean => s.ls(cgroup).includes(name);

/**
 * memcg_lib.sh check_mem_stat ITEM LOW [UP]: ITEM is a file of the cgroup when it exists,
 * else a memory.stat key; without UP it must be LOW exactly, with UP in [LOW, UP]. The value read.
 */
export function checkMemStat(s: System, cwd: string, item: string, low: number, up?: number): number {
  const v = hasFile(s, cwd, item) ? readNum(s, cwd, item) : statKey(s, cwd, item);
  if (up === undefined) expect(v, `${item} is ${v}, ${low} expected`).toBe(low);
  else {
    expect(v, `${item} is ${v}, ${low}-${up} expected`).toBeGreaterThanOrEqual(low);
    expect(v, `${item} is ${v}, ${low}-${up} expected`).toBeLessThanOrEqual(up);
  }
  return v;
}

/**
 * memcg_lib.sh test_mem_stat MEMTYPES SIZE TOTAL_SIZE STAT LOW UP CHECK_AFTER_FREE, run in the
 * cgroup cwd (the script's ltp_$$): memcg_process starts in the shell's cgroup (the root
 * here), warms up there, is moved to cwd and allocates; a usage_in_bytes / max_usage_in_bytes
 * item also reads memory.kmem.<that> and adds it to both bounds. Then it frees (and, with
 * CHECK_AFTER_FREE, STAT must be 0) and is stopped. The values read: after the allocation, after the free.
 */
export function testMemStat(
  s: System,
  cwd: string,
  o: { types: readonly MemType[]; size: number; stat: string; low: number; up: number; checkAfterFree: boolean },
): { value: number; afterFree: number } {
  const p = new MemcgProcess(s, o.types, o.size);
  warmup(s, p);
  p.moveTo(cwd);
  signalMemcgProcess(s, p, o.size, cwd);
  let { low, up } = o;
  const kmemName = o.stat.slice(o.stat.lastIndexOf('.') + 1);
  if (kmemName === 'max_usage_in_bytes' || kmemName === 'usage_in_bytes') {
    const kmem = readNum(s, cwd, `memory.kmem.${kmemName}`);
    low += kmem;
    up += kmem;
  }
  const value = low === up ? checkMemStat(s, cwd, o.stat, low) : checkMemStat(s, cwd, o.stat, low, up);
  signalMemcgProcess(s, p, o.size, cwd);
  const afterFree = o.checkAfterFree ? checkMemStat(s, cwd, o.stat, 0) : NaN;
  p.stop();
  return { value, afterFree };
}

/**
 * memcg_lib.sh test_proc_kill LIMIT MEMTYPES SIZE USE_MEMSW in the cgroup cwd: the limits
 * written (their results not checked, as `echo … >` there), memcg_process started and moved
 * in, one signal; the process must be gone and not by its own error (exit 1): SIGKILL (137)
 * or exit 2 ("Failed to lock memory") pass. The process.
 */
export function testProcKill(s: System, cwd: string, limit: number, types: readonly MemType[], size: number, useMemsw: boolean): MemcgProcess {
  writeResult(s, `${cwd}/memory.limit_in_bytes`, limit);
  if (useMemsw) {
    expect(hasFile(s, cwd, 'memory.memsw.limit_in_bytes'), 'mem+swap is not enabled').toBe(true); // memcg_require_memsw
    writeResult(s, `${cwd}/memory.memsw.limit_in_bytes`, limit);
  }
  const p = new MemcgProcess(s, types, size);
  p.moveTo(cwd);
  signalMemcgProcess(s, p, size, cwd);
  // the script's 20 × 250 ms wait for /proc/PID to go: the emulator ends a victim as its fault returns
  expect(p.alive, `process ${p.pid} is not killed`).toBe(false);
  expect(p.status, `process ${p.pid} is killed by error`).not.toBe(1);
  return p;
}

/**
 * memcg_lib.sh test_limit_in_bytes LIMIT USE_MEMSW in the cgroup cwd: the write must pass; the
 * limit read back is LIMIT rounded to a page, down (kernels since 3.19) or up (before). The value read.
 */
export function testLimitInBytes(s: System, cwd: string, limit: number, useMemsw: boolean): number {
  expect(writeResult(s, `${cwd}/memory.limit_in_bytes`, limit)).toBe('ok');
  let elimit: number;
  if (useMemsw) {
    expect(hasFile(s, cwd, 'memory.memsw.limit_in_bytes'), 'mem+swap is not enabled').toBe(true);
    writeResult(s, `${cwd}/memory.memsw.limit_in_bytes`, limit);
    elimit = readNum(s, cwd, 'memory.memsw.limit_in_bytes');
  } else {
    elimit = readNum(s, cwd, 'memory.limit_in_bytes');
  }
  expect([PAGE * Math.floor(limit / PAGE), PAGE * Math.ceil(limit / PAGE)], `input=${limit}, limit_in_bytes=${elimit}`).toContain(elimit);
  return elimit;
}

/**
 * memcg_lib.sh memcg_adjust_limit_for_kmem LIMIT: LIMIT + 4 pages + a page per CPU (+ 128
 * pages per node past the first), for the kernel memory a process and a memcg charge.
 */
export function adjustLimitForKmem(s: System, limit: number): number {
  const nodeMem = s.nodes > 1 ? (s.nodes - 1) * PAGE * 128 : 0;
  return limit + 4 * PAGE + s.cpus * PAGE + nodeMem;
}

/**
 * memcg_lib.sh memcg_require_hierarchy_disabled: TCONF unless the root's use_hierarchy is 0.
 * Since 5.11 (bef8620cd8e0, the non-hierarchical mode deprecated) it always reads 1, so the
 * tests that need it are TCONF; true when they would run.
 */
export function hierarchyDisabled(s: System): boolean {
  return readNum(s, '', 'memory.use_hierarchy') === 0;
}
