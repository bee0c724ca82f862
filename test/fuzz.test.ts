// A bounded fuzz suite (fast-check, a few thousand cases, well under a minute): hostile
// scenarios, traces, raw op records, interface-file writes and API calls. Each case ends in a
// success or a typed error; a rejected call changes nothing; the core never traps (no
// InternalError, no poisoned system); messages carry no JS internals and stay short.
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createSystem, InternalError, MemcgError, type System } from '../src/index.js';
import { InputError } from '../src/scenario/validate.js';
import { parseScenario } from '../src/scenario/scenario.js';
import { recordTrace } from '../src/scenario/runner.js';
import { TraceError, validateTrace } from '../src/trace/trace.js';
import { machineOf, replayTrace } from '../src/trace/replayer.js';
import { EXAMPLES } from '../src/scenario/examples.js';
import { parseSweep, pointScenario } from '../src/sweep/sweep.js';
import { applySets, parseKey, parseSetArgs, setIn } from '../src/scenario/set.js';
import { reportHtml } from '../src/report/html.js';
import { TraceEventFile } from '../src/trace/events.js';
import { build, tmp } from './helpers/scenario.js';

const SEED = 12;
const JS_INTERNALS = /Cannot read propert|is not a function|is not iterable|undefined \(reading|Maximum call stack|\[object Object\]/;

async function sys(): Promise<System> {
  const s = await createSystem({ topology: { nodes: 2, cpusPerNode: 2 }, swap: '4M', maxFolios: 4096, kmem: true, lruAddBatch: true, build });
  s.mkdir('a', { 'memory.max': '1M' });
  s.mkdir('a/b', {}, { cpu: 1 });
  const t = s.spawn('a/b');
  for (let i = 0; i < 40; i++) s.charge({ cgroup: i % 2 ? 'a' : 'a/b', cpu: i % 4, kind: i % 3 ? 'anon' : 'file' });
  // File 0 on disk (64 pages, 16 cached), file 1 on tmpfs (8 pages), 2 pages locked.
  const disk = s.createFile({ size: '256K' });
  s.readFile(disk, { task: t, cpu: 0, length: '64K' });
  const tmpfs = s.createFile({ kind: 'tmpfs' }, { cgroup: 'a', cpu: 2 });
  s.writeFile(tmpfs, { cgroup: 'a', cpu: 2, length: '32K' });
  s.mlockPopulate(t, 2, { cpu: 3 });
  return s;
}
/** What a user can observe, cheaply: every readable file of every cgroup and the emulator's counters. */
function observe(s: System): string {
  const out: string[] = [JSON.stringify(s.simStats()), String(s.now())];
  for (let f = 0; ; f++) {
    const e = outcome(() => out.push(JSON.stringify(s.fileInfo(f))));
    if (e) break;
  }
  for (let c = 0; c < s.cpus; c++) out.push(JSON.stringify([s.objStock(c), s.lruAddPending(c)]));
  // a cgroup whose parent's subtree_control lost memory has no memcg (#8 part 2): only its cgroup.* files
  for (const cg of s.list()) out.push(s.hasMemory(cg) ? JSON.stringify([s.memcgId(cg), s.memcgKernelId(cg), s.kmem(cg), s.objcgChargedBytes(cg)]) : `${cg}: no memory`);
  for (const cg of s.list()) {
    for (const f of s.ls(cg)) {
      if (s.list().includes(cg === '' ? f : `${cg}/${f}`)) continue;
      try {
        out.push(`${cg}/${f}=${s.read(cg === '' ? f : `${cg}/${f}`)}`);
      } catch (e) {
        if (!(e instanceof MemcgError)) throw e;
      }
    }
  }
  return out.join('\n');
}
/** A typed error or success; an internal error or a JS exception fails the case. */
function outcome(f: () => unknown): MemcgError | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof MemcgError) {
      expect(e.message).not.toMatch(JS_INTERNALS);
      expect(e.message.length).toBeLessThan(600);
      return e;
    }
    throw e;
  }
}
/** Codes that are a refusal before anything changes (not a kernel failure such as ENOMEM). */
const REFUSALS = new Set(['EINVAL', 'ENOENT', 'EEXIST', 'ESRCH', 'E2BIG', 'ERANGE', 'EBADF', 'ENAMETOOLONG', 'EBUSY']);

const hostile = fc.oneof(
  fc.constantFrom(null, undefined, NaN, Infinity, -Infinity, -1, 0, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, -0, '', '0', 'a', 'a/b', '/a/', '\0', 'x'.repeat(5000), [], {}, true, 0x400, 10n),
  fc.integer({ min: -5, max: 5000 }), fc.double(), fc.string({ maxLength: 20 }), fc.anything({ maxDepth: 2 }),
);

describe('fuzz', () => {
  test('scenarios: valid documents mutated anywhere; a scenario or an InputError, short messages, no JS internals', () => {
    // The examples, and one with every file, mapping, mlock and swapoff step (#10).
    const files = {
      system: { kmem: true, maxFileEntries: 4096, lruAddBatch: true, swap: '8M', topology: { nodes: 1, cpusPerNode: 2 } },
      cgroups: { c: { 'memory.max': '4M' } }, tasks: { t: { cgroup: 'c', cpus: '0-1' } },
      workload: [{ name: 'files', steps: [
        { 'create-file': { name: 'd', size: '1M', readAheadKb: 256, ioKb: 0, maxOrder: 4 } }, { 'read-file': { file: 'd', task: 't', chunk: '64K', offset: 0, length: '512K' } },
        { 'create-file': { name: 's', kind: 'tmpfs', cgroup: 'c', cpu: 1 } }, { 'write-file': { file: 's', task: 't', length: '128K' } },
        { 'mmap-shared': { name: 'm', task: 't', size: '64K' } }, { mlock: { task: 't', pages: 4 } }, { 'truncate-file': { file: 's', size: '64K' } },
        { 'unlink-file': { file: 'd', cpu: 1 } }, { swapoff: { cpu: 0 } },
      ] }],
    };
    const docs = [...EXAMPLES.map((e) => e.scenario), files].map((d) => JSON.parse(JSON.stringify(d)));
    /** Replace the value at a random path of a document. */
    const mutate = (doc: unknown, picks: number[], v: unknown): unknown => {
      const copy = JSON.parse(JSON.stringify(doc));
      let node = copy;
      for (let i = 0; i < picks.length; i++) {
        if (typeof node !== 'object' || node === null) break;
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const k = keys[picks[i] % keys.length];
        if (i === picks.length - 1 || typeof node[k] !== 'object' || node[k] === null) {
          node[k] = v;
          break;
        }
        node = node[k];
      }
      return copy;
    };
    fc.assert(fc.property(fc.nat(docs.length - 1), fc.array(fc.nat(50), { minLength: 1, maxLength: 6 }), hostile, (d, picks, v) => {
      try {
        parseScenario(mutate(docs[d], picks, v));
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        for (const i of (e as InputError).issues) {
          expect(i.message).not.toMatch(JS_INTERNALS);
          expect(i.path.length + i.message.length).toBeLessThan(600);
        }
      }
    }), { seed: SEED, numRuns: 1000 });
  });

  test('traces: a recorded trace with bytes changed; a TraceError, or it replays without a trap', async () => {
    const t = tmp('fuzz.bin');
    await recordTrace(parseScenario(EXAMPLES.find((e) => e.name === 'container-oom')!.scenario), t, build);
    const good = readFileSync(t).subarray(0, 80 + 16 * 3000); // the header and 3000 records
    good.writeBigUInt64LE(3000n, 16);
    const s0 = await createSystem({ build });
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }), async (edits) => {
      const b = Buffer.from(good);
      for (const [at, v] of edits) b[at] = v;
      writeFileSync(t, b);
      try {
        validateTrace(t, machineOf(s0));
      } catch (e) {
        expect(e).toBeInstanceOf(TraceError);
        return;
      }
      const s = await createSystem({ build });
      replayTrace(s, t);
      expect(() => s.counter('')).not.toThrow(); // not poisoned
    }), { seed: SEED, numRuns: 150 });
  });

  test('raw op records: any 16 bytes are answered by the core with a result, never a trap', async () => {
    const s = await sys();
    fc.assert(fc.property(fc.uint8Array({ minLength: 16 * 64, maxLength: 16 * 64 }), (bytes) => {
      const res = s.replayRecords(bytes);
      expect(res.length).toBe(64);
    }), { seed: SEED, numRuns: 300 });
    expect(() => s.simStats()).not.toThrow();
  });

  test('interface-file writes: any text to any file; success or a typed errno, and a refusal changes nothing', async () => {
    const s = await sys();
    const files = s.list().flatMap((cg) => s.ls(cg).filter((f) => !s.list().includes(cg === '' ? f : `${cg}/${f}`)).map((f) => (cg === '' ? f : `${cg}/${f}`)));
    const text = fc.oneof(
      fc.string({ maxLength: 40 }), fc.constantFrom('max', '-1', '0', '1M', '0x10000', '18446744073709551616', '+1', '1\n', '\n', '5\0x', 'swappiness=max', '+memory', '-memory'),
      fc.integer().map(String), fc.string({ maxLength: 5000 }), fc.constant('9'.repeat(4097)),
    );
    fc.assert(fc.property(fc.constantFrom(...files), text, (file, value) => {
      const before = observe(s);
      const e = outcome(() => s.write(file, value));
      if (e && REFUSALS.has(e.code) && !/memory\.(reclaim|max|high|limit_in_bytes|memsw|force_empty|swap)/.test(file)) {
        expect(observe(s)).toBe(before);
      }
    }), { seed: SEED, numRuns: 800 });
  });

  test('API calls with hostile arguments: a typed error or success; a refusal changes nothing', async () => {
    const s = await sys();
    const calls: [string, (s: System, a: unknown, b: unknown) => unknown][] = [
      ['charge', (s, a, b) => s.charge(a as never)], ['charge{}', (s, a, b) => s.charge({ cgroup: 'a', cpu: a, order: b } as never)],
      ['charge node', (s, a) => s.charge({ cgroup: 'a', cpu: 0, node: a } as never)], ['charge gfp', (s, a) => s.charge({ cgroup: 'a', cpu: 0, gfp: a } as never)],
      ['uncharge', (s, a, b) => s.uncharge(a as never, b as never)], ['folio', (s, a) => s.folio(a as never)],
      ['mkdir', (s, a, b) => s.mkdir(a as never, b as never)], ['rmdir', (s, a) => s.rmdir(a as never)],
      ['writeLimit', (s, a, b) => s.writeLimit('a', a as never, b as never)], ['counter', (s, a, b) => s.counter(a as never, b as never)],
      ['events', (s, a, b) => s.events(a as never, b as never)], ['stock', (s, a) => s.stock(a as never)], ['lruSizes', (s, a, b) => s.lruSizes(a as never, b as never)],
      ['nodeStat', (s, a, b) => s.nodeStat(a as never, b as never)], ['spawn', (s, a, b) => s.spawn(a as never, b as never)],
      ['task', (s, a) => s.task(a as never)], ['moveTask', (s, a, b) => s.moveTask(a as never, b as never)], ['touch', (s, a, b) => s.touch(a as never, b as never)],
      ['wait', (s, a) => s.wait(a as never)], ['read', (s, a) => s.read(a as never)], ['write', (s, a, b) => s.write(a as never, b as never)],
      ['replay', (s, a) => s.replay(a as never)], ['replay op', (s, a, b) => s.replay([{ op: a, folio: b, cpu: b, ms: b, cgroup: 'a', file: 'memory.max', value: b } as never])],
      ['flushStats', (s, a, b) => s.flushStats(a as never, b as never)], ['drainAllStock', (s, a, b) => s.drainAllStock(a as never, b as never)],
      ['setOomScoreAdj', (s, a, b) => s.setOomScoreAdj(a as never, b as never)], ['ls', (s, a) => s.ls(a as never)],
      // Kernel memory, files, mappings, mlock, swapoff (#10) and mkdir's CPU.
      ['mkdir cpu', (s, a) => s.mkdir('a/c', {}, { cpu: a } as never)], ['createFile', (s, a, b) => s.createFile(a as never, b as never)],
      ['createFile size', (s, a) => s.createFile({ size: a } as never)], ['createFile tmpfs', (s, a, b) => s.createFile({ kind: 'tmpfs' }, { task: a, cpu: b } as never)],
      ['readFile', (s, a, b) => s.readFile(a as never, b as never)], ['readFile range', (s, a, b) => s.readFile(0, { task: 0, cpu: 1, offset: a, length: b } as never)],
      ['readFile chunk', (s, a) => s.readFile(0, { cgroup: 'a', cpu: 0, chunk: a } as never)],
      ['writeFile', (s, a, b) => s.writeFile(a as never, b as never)], ['writeFile range', (s, a, b) => s.writeFile(1, { cgroup: 'a', cpu: 2, offset: a, length: b } as never)],
      ['faultFile', (s, a, b) => s.faultFile(a as never, b as never)], ['faultFile range', (s, a, b) => s.faultFile(0, { task: 0, cpu: 0, offset: a, length: b } as never)],
      ['mmapShared', (s, a) => s.mmapShared(a as never)], ['mmapShared length', (s, a, b) => s.mmapShared({ task: 0, cpu: 0, length: a, touch: b } as never)],
      ['truncateFile', (s, a, b) => s.truncateFile(a as never, b as never)], ['truncateFile size', (s, a) => s.truncateFile(1, a as never)],
      ['unlinkFile', (s, a, b) => s.unlinkFile(a as never, b as never)], ['fileInfo', (s, a) => s.fileInfo(a as never)],
      ['fileFolioOrders', (s, a) => s.fileFolioOrders(a as never)], ['fileFolio', (s, a, b) => s.fileFolio(a as never, b as never)],
      ['mlock', (s, a, b) => s.mlock(a as never, b as never)], ['munlock', (s, a, b) => s.munlock(a as never, b as never)],
      ['mlockPopulate', (s, a, b) => s.mlockPopulate(a as never, b as never)], ['mlockPopulate opts', (s, a, b) => s.mlockPopulate(0, 3, { cpu: a, gfp: b } as never)],
      ['swapoff', (s, a) => s.swapoff(a as never)], ['kmem', (s, a) => s.kmem(a as never)], ['objStock', (s, a) => s.objStock(a as never)],
      ['objcgChargedBytes', (s, a) => s.objcgChargedBytes(a as never)], ['taskPageTables', (s, a) => s.taskPageTables(a as never)],
      ['lruAddPending', (s, a) => s.lruAddPending(a as never)],
      // The cgroup core (#8 part 2): subtree_control writes, mkdir's enableMemory, rmdir of a
      // cgroup with tasks, memcg ids, and the lru cost of the era registry.
      ['mkdir enableMemory', (s, a, b) => s.mkdir('a/c', {}, { enableMemory: a, cpu: b } as never)],
      ['rmdir cpu', (s, a, b) => s.rmdir((typeof a === 'string' ? a : 'a/b') as never, b as never)],
      ['subtree_control', (s, a, b) => s.write(`${typeof a === 'string' ? a : 'a'}/cgroup.subtree_control`, b as never)],
      ['subtree_control cpu', (s, a, b) => s.write('a/cgroup.subtree_control', a as never, { cpu: b } as never)],
      ['open write', (s, a, b) => {
        const f = s.open('a/cgroup.subtree_control');
        try {
          f.write(a as never, b as never);
        } finally {
          f.close();
        }
      }],
      ['memcgId', (s, a) => s.memcgId(a as never)], ['memcgKernelId', (s, a) => s.memcgKernelId(a as never)],
      ['hasMemory', (s, a) => s.hasMemory(a as never)], ['lruCost', (s, a, b) => s.lruCost(a as never, b as never)],
    ];
    const heap0 = process.memoryUsage().heapUsed;
    fc.assert(fc.property(fc.nat(calls.length - 1), hostile, hostile, (i, a, b) => {
      const before = observe(s);
      const e = outcome(() => calls[i][1](s, a, b));
      if (e && REFUSALS.has(e.code) && calls[i][0] !== 'replay op') expect(observe(s), `${calls[i][0]}(${String(a)}, ${String(b)}): ${e.message}`).toBe(before);
    }), { seed: SEED, numRuns: 1500 });
    expect(() => s.simStats()).not.toThrow(); // never poisoned
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(256 << 20);
  });

  test('sweeps, --set and reports (#14) with hostile arguments: a result, an InputError or a typed MemcgError', () => {
    const base = { cgroups: { a: { 'memory.max': '1M' } }, workload: [{ name: 'w', steps: [{ charge: { cgroup: 'a', count: 10 } }] }] };
    const sweep = { name: 'g', base, axes: { 'cgroups.a.memory.max': ['1M', '2M'], seed: [1, 2] }, metrics: ['ok', 'sim.charges'] };
    const sw = parseSweep(sweep);
    const events = tmp('fuzz-events.json');
    const key = (a: unknown, dflt: string) => (typeof a === 'string' ? a : dflt);
    const calls: [string, (a: unknown, b: unknown) => unknown][] = [
      ['parseSweep', (a) => parseSweep(a)], ['parseSweep opts', (a, b) => parseSweep(sweep, { [key(a, 'dir')]: b } as never)],
      ['parseSweep axes', (a, b) => parseSweep({ ...sweep, axes: { [key(a, 'seed')]: b } })], ['parseSweep points', (a) => parseSweep({ ...sweep, points: a })],
      ['parseSweep base', (a) => parseSweep({ ...sweep, base: a })], ['parseSweep metrics', (a) => parseSweep({ ...sweep, metrics: a })],
      ['pointScenario', (a) => pointScenario(sw, a as never)], ['pointScenario coords', (a, b) => pointScenario(sw, { index: 0, seed: 1, coords: { [key(a, 'seed')]: b } })],
      ['applySets', (a, b) => applySets(a, b as never)], ['applySets pair', (a, b) => applySets(base, [[a, b]] as never)],
      ['setIn', (a, b) => setIn(base, a as never, b)], ['parseKey', (a) => parseKey(a as never)], ['parseSetArgs', (a) => parseSetArgs(a as never)],
      ['reportHtml', (a) => reportHtml(a as never)], ['reportHtml run', (a, b) => reportHtml({ kind: 'run', title: a, result: b } as never)],
      ['reportHtml sweep', (a, b) => reportHtml({ kind: 'sweep', title: 't', description: '', axes: a, rows: b } as never)],
      ['TraceEventFile', (a) => new TraceEventFile(events, a as never).close()],
    ];
    fc.assert(fc.property(fc.nat(calls.length - 1), hostile, hostile, (i, a, b) => {
      try {
        calls[i][1](a, b);
      } catch (e) {
        if (e instanceof InputError) {
          for (const x of e.issues) expect(x.path.length + x.message.length, calls[i][0]).toBeLessThan(600);
          return;
        }
        expect(e, `${calls[i][0]}: ${String(e)}`).toBeInstanceOf(MemcgError);
        expect((e as Error).message).not.toMatch(JS_INTERNALS);
        expect((e as Error).message.length).toBeLessThan(600);
      }
    }), { seed: SEED, numRuns: 600 });
  });

  test('createSystem with hostile options: a system or a typed error, never an untyped one', async () => {
    const keys = [
      'profile', 'cgroupVersion', 'topology', 'seed', 'swap', 'remoteDrain', 'maxFolios', 'maxCgroups', 'maxTasks', 'hz', 'chargeBatch', 'kmem', 'lruAddBatch',
      'maxFileEntries', 'autoEnableMemory', 'bogus',
    ];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...keys), hostile, async (k, v) => {
      try {
        await createSystem({ [k]: v, maxFolios: k === 'maxFolios' ? v : 1024, build } as never);
      } catch (e) {
        expect(e instanceof MemcgError || e instanceof InternalError, String(e)).toBe(true);
        expect(e).not.toBeInstanceOf(InternalError);
        expect((e as Error).message).not.toMatch(JS_INTERNALS);
      }
    }), { seed: SEED, numRuns: 300 });
  });
});
