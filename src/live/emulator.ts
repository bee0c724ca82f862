// The emulator side of a live run: the plan's records replayed one by one on a System built
// for the machine (its topology, swap, HZ; the kernel release's profile), the same writes and
// rmdirs, and the same files read at each checkpoint (memory.stat after the same 2 s wait, in
// which the emulator's periodic flush runs as the kernel's does).

import { limitFile } from '../cgroupfs/cgroupfs.js';
import { errnoName, MemcgError } from '../core/errors.js';
import { Replayer } from '../trace/replayer.js';
import { systemOf } from '../scenario/runner.js';
import { taskTable, Workload } from '../scenario/workload.js';
import type { System } from '../api/system.js';
import { ANCHOR, filePagesFor, type EmuOp, type Plan } from './plan.js';
import { LAZY, exactFiles, fileValues, readsStat, writeKeys, type EmulatorRun, type StatMode } from './values.js';

const FLUSH_WAIT_MS = 2100; // as the kernel side waits

function code(e: unknown): string {
  if (e instanceof MemcgError) return e.code;
  throw e;
}

function readValues(sys: System, file: string, into: Record<string, string>): void {
  let text: string;
  try {
    text = sys.read(file);
  } catch (e) {
    into[file] = code(e);
    return;
  }
  for (const [k, v] of fileValues(file, text)) into[k] = v;
}

/** Run a plan on the emulator (the plan must have no kernel-only steps). */
export async function runEmulator(plan: Plan, opts: { stat: StatMode; memsw: boolean }): Promise<EmulatorRun> {
  const { sc } = plan;
  const sys = await systemOf(plan.spec);
  try {
    const run: EmulatorRun = { checkpoints: [], writes: {}, usage: [], chargeBatch: sys.chargeBatch };
    const wkey = writeKeys();
    for (const g of sc.cgroups) {
      sys.mkdir(g.cgroup);
      for (const s of g.settings) {
        try {
          sys.write(`${g.cgroup}/${s.file}`, s.value);
          run.writes[wkey(s.path)] = 'ok';
        } catch (e) {
          run.writes[wkey(s.path)] = code(e);
        }
      }
    }
    const r = new Replayer(sys, sc.paths, taskTable(sc));
    const usage = (cg: number) => {
      try {
        return sys.counter(sc.paths[cg]).usage;
      } catch (e) {
        code(e);
        return -1;
      }
    };
    const version = sys.cgroupVersion;
    const shm = shmemFiles(sys, plan);
    const emu = (e: EmuOp) => {
      const tid = r.tasks[e.task].id;
      try {
        if (e.t === 'shmem') sys.writeFile(shm[e.task], { task: tid, cpu: e.cpu, offset: e.index * 4096, length: 4096 });
        else if (e.t === 'shmem-free') sys.truncateFile(shm[e.task], 0, e.cpu); // the whole file: see shmemFiles
        else {
          const ids = e.handles.map((h) => r.folioOf(h)).filter((id) => id >= 0 && sys.folioState(id) === 'charged');
          if (e.t === 'mlock') sys.mlock(ids, e.cpu);
          else sys.munlock(ids, e.cpu);
        }
      } catch (err) {
        code(err); // a failed write (the task killed, a charge failed) is the kernel's failed op too
      }
    };
    for (const [i, o] of plan.ops.entries()) {
      if (o.t === 'op') {
        if (o.emu) emu(o.emu);
        else if (!o.rec) throw new Error(`${o.path}: a kernel-only step reached the emulator`);
        else {
          r.op(...o.rec);
          r.flush();
          if (o.mlock !== undefined) {
            // folio_add_lru_vma: a fault in a VM_LOCKONFAULT region is mlock_new_folio (5.18+: the mlock batch)
            const id = r.folioOf(o.mlock);
            if (id >= 0 && sys.folioState(id) === 'charged') sys.mlockNew(id, o.rec[4]);
          }
        }
        if (o.watch >= 0 && o.k.length > 0) run.usage.push(usage(o.watch));
      } else if (o.t === 'write') {
        const file = `${sc.paths[o.cgroup]}/${o.file}`;
        if (limitFile(version, o.file)) {
          // as memcg-sim run does: a limit write is an op record
          Workload.write(sys, { kind: 'write', path: o.path, file, cgroup: o.cgroup, name: o.file, value: o.value, cpu: o.cpu }, sc.paths[o.cgroup], r);
          r.flush();
          run.writes[wkey(o.path)] = r.lastResult < 0 ? errnoName(r.lastResult) : 'ok';
        } else {
          try {
            sys.write(file, o.value, { cpu: o.cpu });
            run.writes[wkey(o.path)] = 'ok';
          } catch (e) {
            run.writes[wkey(o.path)] = code(e);
          }
        }
      } else if (o.t === 'rmdir') {
        try {
          sys.rmdir(sc.paths[o.cgroup]);
          run.writes[wkey(o.path)] = 'ok';
        } catch (e) {
          run.writes[wkey(o.path)] = code(e);
        }
      } else {
        const values: Record<string, string> = {};
        const lazyFile = (f: string) => LAZY.some((l) => f.endsWith(`/${l}`));
        const exact = o.files ? o.files.filter((f) => !lazyFile(f)) : sc.paths.slice(1).flatMap((p) => exactFiles(version, opts.memsw).map((f) => `${p}/${f}`));
        for (const f of exact) readValues(sys, f, values);
        if (!o.files) {
          for (const t of r.tasks) {
            const info = sys.task(t.id);
            values[`task ${t.name} killed`] = String(info.killed);
            values[`task ${t.name} anonPages`] = String(info.anonPages);
            values[`task ${t.name} dead`] = String(t.dead);
          }
        }
        const lazy = o.files ? o.files.filter(lazyFile) : readsStat(plan, opts.stat, i) ? sc.paths.slice(1).flatMap((p) => LAZY.map((f) => `${p}/${f}`)) : [];
        if (lazy.length) {
          sys.lruAddDrain(); // as the kernel side drains every CPU's lru_add batch (MADV_COLD there)
          sys.wait(FLUSH_WAIT_MS);
          for (const f of lazy) readValues(sys, f, values);
        }
        run.checkpoints.push({ name: o.name, values });
        sys.lruAddDrain(); // as the kernel side drains every CPU's batch after a checkpoint
      }
    }
    return run;
  } finally {
    sys.dispose();
  }
}

/**
 * The tmpfs file of each task with shmem steps, as the helper prepares it before the task joins
 * its cgroup: sized (ftruncate) to whole anchor blocks, with page 63 of every 64 written from
 * outside the measured cgroups (here: the root, which is not charged), so the xarray nodes exist
 * and a write inside charges only its page. Then every CPU's lru_add batch is drained, as the
 * kernel side drains them before the workload. A shmem-free punches out the task's pages, the
 * anchors staying; the emulator has no hole punch and truncates the file (the anchors and their
 * nodes go too, uncharged from the root: nothing measured changes; the planner refuses a later
 * shmem step of that task).
 */
function shmemFiles(sys: System, plan: Plan): number[] {
  const out: number[] = [];
  for (const [i, w] of plan.workers.entries()) {
    if (!w.shmemPages) continue;
    const pages = filePagesFor(w.shmemPages);
    const cpu = plan.sc.tasks.get(w.task)!.cpus[0];
    const f = sys.createFile({ kind: 'tmpfs' }, { cgroup: '', cpu });
    sys.truncateFile(f, pages * 4096, cpu);
    for (let p = ANCHOR - 1; p < pages; p += ANCHOR) sys.writeFile(f, { cgroup: '', cpu, offset: p * 4096, length: 4096 });
    out[i] = f;
  }
  if (out.length) sys.lruAddDrain();
  return out;
}
