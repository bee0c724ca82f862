// The core at size: a 256-CPU, 2-node machine with 10 000 memcgs charges 100 M folios
// through System.replayRecords in chunks, all within the 4 GiB of a wasm32 memory.
//
//   npm run bench:big [-- --folios 100000000 --chunk 1000000]
//
// Tree: 100 cgroups below the root, 99 below each of them (10 000 memcgs, 10 001 with the
// root); charges are 1-page anon folios of the 9 900 leaves, from every CPU in turn (the
// CPU's stock caches 7 of them), each chunk the same op records (new folio ids each time).
import { cpus, loadavg } from 'node:os';
import { createSystem, type Op } from '../src/index.js';

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const FOLIOS = num('--folios', 100_000_000);
const CHUNK = num('--chunk', 1_000_000);
const CPUS = 256;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const t0 = performance.now();
const sys = await createSystem({
  profile: 'multi', topology: { nodes: 2, cpusPerNode: CPUS / 2 }, maxCgroups: 10_001, maxFolios: FOLIOS, opCapacity: 1 << 16, seed: 1,
  kmem: false, // as the results in bench/results.md were taken
  lruAddBatch: false, // likewise (taken before the lru_add batch became the default)
});
const leaves: string[] = [];
for (let a = 0; a < 100; a++) {
  sys.mkdir(`t${a}`);
  for (let b = 0; b < 99; b++) {
    sys.mkdir(`t${a}/c${b}`);
    leaves.push(`t${a}/c${b}`);
  }
}
const createMs = performance.now() - t0;
const ops: Op[] = [];
for (let i = 0; i < CHUNK; i++) {
  // Leaf i % 9900 from CPU i % 256: every CPU cycles through the leaves.
  ops.push({ op: 'charge', cgroup: leaves[(i * 7) % leaves.length], cpu: i % CPUS, order: 0 });
}
const records = sys.encode(ops);

const memory = () => (sys as unknown as { core: { memory: WebAssembly.Memory } }).core.memory.buffer.byteLength;
let charged = 0;
let failed = 0;
const c0 = cpuMs();
const w0 = performance.now();
const f0 = process.resourceUsage().minorPageFault;
for (let done = 0; done < FOLIOS; done += CHUNK) {
  const n = Math.min(CHUNK, FOLIOS - done);
  const res = sys.replayRecords(n === CHUNK ? records : records.subarray(0, n * 16));
  for (let i = 0; i < n; i++) {
    if (res[i] >= 0) charged++;
    else failed++;
  }
  if ((done / CHUNK) % 10 === 9) process.stderr.write(`${((done + n) / 1e6).toFixed(0)} M folios charged (${((performance.now() - w0) / 1000).toFixed(0)} s)\n`);
}
const cpu = cpuMs() - c0;
const wall = performance.now() - w0;
const faults = process.resourceUsage().minorPageFault - f0;

// Every folio is charged: the memcgs' usage sums to the folios' pages plus what sits in stocks.
let usage = 0;
for (let a = 0; a < 100; a++) usage += sys.counter(`t${a}`).usage;
let stocked = 0;
for (let a = 0; a < 100; a++) stocked += sys.stockPages(`t${a}`);
for (const l of leaves) stocked += sys.stockPages(l);

const line = [
  `big tables: ${CPUS} CPUs on 2 nodes, 10 001 memcgs, maxFolios ${FOLIOS}: createSystem + mkdir ${(createMs / 1000).toFixed(1)} s`,
  `charged ${charged} of ${FOLIOS} folios (${failed} failed) in ${(FOLIOS / CHUNK).toFixed(0)} replayRecords calls of ${CHUNK} records:`,
  `  ${((cpu * 1e6) / FOLIOS).toFixed(1)} ns/op CPU, ${((wall * 1e6) / FOLIOS).toFixed(1)} ns/op wall, ${faults} page faults`,
  `  wasm memory ${memory()} bytes (${(memory() / 2 ** 30).toFixed(2)} GiB of 4 GiB); usage of the memcgs ${usage} pages = ${charged} folio pages + ${usage - charged} in stocks (${stocked} stocked)`,
  `  machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, loadavg ${loadavg().map((x) => x.toFixed(2)).join(' ')}, Node ${process.version}`,
];
console.log(line.join('\n'));
if (charged !== FOLIOS || usage !== charged + stocked) process.exitCode = 1;
