// Every API input is an exact integer in range, a string, a known key or value — or a typed
// MemcgError; nothing reaches the core's i32 arguments to wrap (ToInt32) or truncate, and a
// rejected call changes nothing. Each case is a reproducer from issue #12.
import { describe, expect, test } from 'vitest';
import { ALIASES, createSystem, MemcgError, PROFILES, type System } from '../src/index.js';
import { build } from './helpers/scenario.js';
import { snapshot } from './helpers/ops.js';
import fc from 'fast-check';
import { utf8Length } from '../src/api/check.js';

async function sys(): Promise<System> {
  const s = await createSystem({ topology: { nodes: 2, cpusPerNode: 2 }, build });
  s.mkdir('a');
  return s;
}

/** The MemcgError code and message f throws (fails on any other throw or none). */
function rejected(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MemcgError);
    return { code: (e as MemcgError).code, message: (e as Error).message };
  }
  throw new Error('no error');
}

const any = (x: unknown) => x as never;

describe('ids, CPUs, orders, nodes: exact integers in range (issue #12 reproducers)', () => {
  test.each<[string, (s: System) => unknown, string, RegExp]>([
    ['uncharge(2**32) (ToInt32 made it folio 0)', (s) => s.uncharge(2 ** 32), 'EINVAL', /a folio id must be an integer in 0\.\.2147483647, not 4294967296/],
    ['uncharge(NaN)', (s) => s.uncharge(NaN), 'EINVAL', /not NaN/],
    ['uncharge(1.5)', (s) => s.uncharge(1.5), 'EINVAL', /not 1\.5/],
    ['uncharge("0")', (s) => s.uncharge(any('0')), 'EINVAL', /not "0"/],
    ['uncharge(Infinity)', (s) => s.uncharge(Infinity), 'EINVAL', /not Infinity/],
    ['uncharge([2**32])', (s) => s.uncharge([2 ** 32]), 'EINVAL', /folio 0 of the list/],
    ['folio(2**32 + 3) (was folio 3)', (s) => s.folio(2 ** 32 + 3), 'EINVAL', /a folio id/],
    ['folioState(2**32)', (s) => s.folioState(2 ** 32), 'EINVAL', /a folio id/],
    ['charge order 1.5 (charged 2 pages)', (s) => s.charge({ cgroup: 'a', cpu: 0, order: 1.5 }), 'EINVAL', /order must be an integer in 0\.\.9, not 1\.5/],
    ['charge order NaN', (s) => s.charge({ cgroup: 'a', cpu: 0, order: NaN }), 'EINVAL', /order/],
    ['charge order "2"', (s) => s.charge({ cgroup: 'a', cpu: 0, order: any('2') }), 'EINVAL', /order .*not "2"/],
    ['charge node NaN', (s) => s.charge({ cgroup: 'a', cpu: 0, node: NaN }), 'EINVAL', /node must be an integer in 0\.\.1/],
    ['charge cpu 4 of 4', (s) => s.charge({ cgroup: 'a', cpu: 4 }), 'EINVAL', /cpu must be an integer in 0\.\.3, not 4/],
    ['charge cpu "0"', (s) => s.charge({ cgroup: 'a', cpu: any('0') }), 'EINVAL', /cpu .*not "0"/],
    ['charge gfp 0x400 (TypeError)', (s) => s.charge({ cgroup: 'a', cpu: 0, gfp: any(0x400) }), 'EINVAL', /gfp must be a string of flag names/],
    ['charge cgroup 5', (s) => s.charge({ cgroup: any(5), cpu: 0 }), 'EINVAL', /charge cgroup must be a string, not 5/],
    ['charge cgroup null', (s) => s.charge({ cgroup: any(null), cpu: 0 }), 'EINVAL', /must be a string, not null/],
    ['charge()', (s) => any(s.charge)(), 'EINVAL', /a charge request must be an object, not undefined/],
    ['charge with an unknown key', (s) => s.charge(any({ cgroup: 'a', cpu: 0, oder: 2 })), 'EINVAL', /charge: unknown key "oder"/],
    ['charge with op other than charge', (s) => s.charge(any({ op: 'uncharge', cgroup: 'a', cpu: 0 })), 'EINVAL', /charge: unknown key "op"/],
    ['charge with cgroup and task', (s) => s.charge({ cgroup: 'a', task: 0, cpu: 0 }), 'EINVAL', /a cgroup or a task, not both/],
    ['lruSizes("a", 9) (returned -1s)', (s) => s.lruSizes('a', 9), 'EINVAL', /node must be an integer in 0\.\.1, not 9/],
    ['nodeStat("a", 1.5)', (s) => s.nodeStat('a', 1.5), 'EINVAL', /node/],
    ['stock(-1)', (s) => s.stock(-1), 'EINVAL', /cpu/],
    ['wait(Infinity)', (s) => s.wait(Infinity), 'EINVAL', /wait takes 0\.\./],
    ['wait(-1)', (s) => s.wait(-1), 'EINVAL', /wait takes/],
    ['touch(1.5)', (s) => s.touch(1.5), 'EINVAL', /a folio id/],
    ['task(2**32)', (s) => s.task(2 ** 32), 'ESRCH', /a task id/],
    ['spawn oomScoreAdj 1001', (s) => s.spawn('a', { oomScoreAdj: 1001 }), 'EINVAL', /oomScoreAdj must be an integer in -1000\.\.1000/],
    ['counter kind "swp"', (s) => s.counter('a', any('swp')), 'EINVAL', /counter kind must be one of/],
    ['events local "yes"', (s) => s.events('a', { local: any('yes') }), 'EINVAL', /local must be true or false/],
    ['read(null)', (s) => s.read(any(null)), 'EINVAL', /a file path must be a string, not null/],
    ['write of an object', (s) => s.write('a/memory.max', any({})), 'EINVAL', /a value is a string or a number/],
    ['replay(null)', (s) => s.replay(any(null)), 'EINVAL', /replay takes an array of ops, not null/],
    ['replay an unknown op (was "no file undefined")', (s) => s.replay(any([{ op: 'bogus' }])), 'EINVAL', /op 0 op must be one of "charge", .* not "bogus"/],
    ['replay an op with a foreign key', (s) => s.replay(any([{ op: 'wait', ms: 1, cpu: 0 }])), 'EINVAL', /op 0 \(wait\): unknown key "cpu"/],
    ['replay an uncharge of folio 2**32', (s) => s.replay([{ op: 'uncharge', folio: 2 ** 32 }]), 'EINVAL', /op 0 \(uncharge\): a folio id/],
    ['replay a write without a value', (s) => s.replay(any([{ op: 'write', cgroup: 'a', file: 'memory.max' }])), 'EINVAL', /op 0 \(write\): value must be a string or a number, not undefined/],
  ])('%s', async (_, f, code, message) => {
    const s = await sys();
    const f0 = s.charge({ cgroup: 'a', cpu: 0 });
    const before = snapshot(s);
    const r = rejected(() => f(s));
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
    expect(snapshot(s)).toEqual(before);
    expect(s.folio(f0)?.cgroup).toBe('a'); // folio 0 is still charged
  });
});

describe('replay encodes its common ops (a cgroup charge, an uncharge) at once: the same records and the same errors', () => {
  // An inherited enumerable key keeps an op off the common path (for-in sees it; the checks ignore it).
  const general = <T extends object>(o: T): T => Object.assign(Object.create({ inherited: 1 }), o);
  test.each<[string, object]>([
    ['a charge', { op: 'charge', cgroup: 'a', cpu: 3, order: 9 }],
    ['a charge without an order', { op: 'charge', cgroup: '/a/', cpu: 1 }],
    ['an uncharge on a CPU', { op: 'uncharge', folio: 7, cpu: 2 }],
    ['an uncharge without a CPU', { op: 'uncharge', folio: 0 }],
  ])('%s: the record of the general path', async (_, op) => {
    const s = await sys();
    const common = s.encode([op as never]);
    expect([...common]).toEqual([...s.encode([general(op) as never])]);
    expect(common.length).toBe(16);
  });
  test('a run of common ops, edge values included, gives the general path\'s records op by op', async () => {
    const s = await sys();
    const ops = [
      { op: 'charge', cgroup: 'a', cpu: 3, order: 9 }, { op: 'uncharge', folio: 0x7fffffff }, { op: 'charge', cgroup: '/a/', cpu: -0 },
      { op: 'uncharge', folio: -0, cpu: 3 }, { op: 'charge', cgroup: '', cpu: 0, order: 0 }, { op: 'wait', ms: 1 }, { op: 'charge', cgroup: 'a', cpu: 1 },
    ];
    expect([...s.encode(any(ops))]).toEqual(ops.flatMap((o) => [...s.encode([general(o) as never])]));
  });
  test('charges of 300 cgroups, each twice, paths that share a hash slot included: each record names its own cgroup', async () => {
    const s = await sys();
    const paths = Array.from({ length: 300 }, (_, i) => `c${i}`);
    for (const p of paths) s.mkdir(p);
    const ops = [...paths, ...paths.map((p) => `/${p}`)].map((cgroup, i) => ({ op: 'charge', cgroup, cpu: i % 4 }));
    const words = new Uint32Array(s.encode(any(ops)).slice().buffer);
    expect(Array.from({ length: ops.length }, (_, i) => words[i * 4 + 2])).toEqual(ops.map((o) => s.id(o.cgroup)));
    expect([...s.encode(any(ops))]).toEqual(ops.flatMap((o) => [...s.encode([general(o) as never])]));
  });
  test('the first failing check wins over an earlier op\'s encoding error, as when every op is checked first', async () => {
    const s = await sys();
    const before = snapshot(s);
    const ops = [{ op: 'charge', cgroup: 'a', cpu: 0 }, { op: 'charge', cgroup: 'nope', cpu: 0 }, { op: 'uncharge', folio: 0, cpu: 0, bogus: 1 }];
    expect(rejected(() => s.replay(any(ops))).message).toMatch(/op 2 \(uncharge\): unknown key "bogus"/);
    expect(rejected(() => s.replay(any(ops.slice(0, 2))))).toEqual({ code: 'ENOENT', message: expect.stringMatching(/no cgroup "nope"/) });
    // a CPU out of range is an encoding error too (not a check of the op's shape)
    const cpuOps = [{ op: 'uncharge', folio: 0, cpu: 4 }, { op: 'wait', ms: -1 }];
    expect(rejected(() => s.replay(any(cpuOps))).message).toMatch(/op 1 \(wait\): ms must be a number of at least 0/);
    expect(rejected(() => s.replay(any(cpuOps.slice(0, 1)))).message).toMatch(/cpu must be an integer in 0\.\.3, not 4/);
    expect(snapshot(s)).toEqual(before);
  });
  test('a charge that names a task or a kind through a non-enumerable key is not a common op', async () => {
    const s = await sys();
    const op = Object.defineProperty({ op: 'charge', cgroup: 'a', cpu: 0 }, 'task', { value: 0, enumerable: false });
    expect(rejected(() => s.replay(any([op]))).message).toMatch(/op 0 \(charge\): a charge takes a cgroup or a task, not both/);
  });
});

describe('createSystem options: unknown keys and values by name, a rejection says which option and why', () => {
  test.each<[string, unknown, string, RegExp | string]>([
    ['null', null, 'EINVAL', /createSystem options must be an object, not null/],
    ['seed NaN', { seed: NaN }, 'EINVAL', /option seed must be an integer in 0\.\.2\^64-1 .* not NaN/],
    ['seed 1.5', { seed: 1.5 }, 'EINVAL', /option seed .* not 1\.5/],
    ['seed "abc"', { seed: 'abc' }, 'EINVAL', /option seed .* not "abc"/],
    ['seed 2**64 as bigint', { seed: 1n << 64n }, 'EINVAL', /option seed/],
    ['remoteDrain "bogus" (was accepted)', { remoteDrain: 'bogus' }, 'EINVAL', /option remoteDrain must be one of "schedule", "immediate", "deferred", not "bogus"/],
    ['an unknown key', { profil: 'single' }, 'EINVAL', /createSystem options: unknown key "profil" \(known: profile, /],
    // the message lists the registry's rows, then its aliases (src/core/profiles.ts)
    ['an unknown profile', { profile: '7.0' }, 'EINVAL',
      `option profile: unknown profile "7.0" (known: ${[...PROFILES.map((p) => p.name), ...Object.keys(ALIASES)].join(', ')})`],
    ['topology nodes 1.5', { topology: { nodes: 1.5, cpusPerNode: 1 } }, 'EINVAL', /option topology\.nodes must be an integer in 1\.\.64, not 1\.5/],
    ['topology without cpusPerNode', { topology: { nodes: 1 } }, 'EINVAL', /option topology\.cpusPerNode must be an integer .* not undefined/],
    ['more CPUs than the emulator takes', { topology: { nodes: 64, cpusPerNode: 1024 } }, 'EINVAL', /64 × 1024 = 65536 CPUs, more than the emulator's 8192/],
    // #13: the topology forms and the cost model
    ['topology preset "3s-9c"', { topology: '3s-9c' }, 'EINVAL', /option topology must be one of "host", "2s-72c", "1s-40c", .* not "3s-9c"/],
    ['topology nodesPerSocket not dividing the cores', { topology: { sockets: 2, coresPerSocket: 18, nodesPerSocket: 4 } }, 'EINVAL', /option topology: nodesPerSocket 4 does not divide coresPerSocket 18/],
    ['topology threadsPerCore 1.5', { topology: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1.5 } }, 'EINVAL', /option topology\.threadsPerCore must be an integer in 1\.\.8, not 1\.5/],
    ['topology mixing both forms', { topology: { nodes: 1, cpusPerNode: 4, sockets: 1 } }, 'EINVAL', /option topology: unknown key "sockets" \(known: nodes, cpusPerNode\)/],
    ['costModel "yes"', { costModel: 'yes' }, 'EINVAL', /option costModel must be an object, not "yes"/],
    ['costModel table "arm"', { costModel: { table: 'arm' } }, 'EINVAL', /option costModel\.table must be one of "intel", "amd", not "arm"/],
    ['costModel a negative cost', { costModel: { costs: { smtNs: -1 } } }, 'EINVAL', /option costModel\.costs\.smtNs must be a number >= 0, not -1/],
    ['costModel an unknown cost', { costModel: { costs: { l4Ns: 1 } } }, 'EINVAL', /option costModel\.costs: unknown key "l4Ns"/],
    ['costModel on 2048 CPUs', { topology: { sockets: 2, coresPerSocket: 512, threadsPerCore: 2 }, costModel: true }, 'EINVAL', /option costModel: 2048 CPUs, more than the cost model's 1024/],
    ['hz 200', { hz: 200 }, 'EINVAL', /option hz must be one of 100, 250, 300, 1000, not 200/],
    ['stock "no"', { stock: 'no' }, 'EINVAL', /option stock must be true or false/],
    ['maxFolios 2**32', { maxFolios: 2 ** 32 }, 'EINVAL', /option maxFolios must be an integer in 1\.\.268435456/],
    ['swap "1Q"', { swap: '1Q' }, 'EINVAL', /option swap: "1Q" is not a size/],
    ['swap 2T', { swap: '2T' }, 'EINVAL', /larger than the emulator's swap device limit of 1T/],
    // swap '1T' was "system configuration rejected" with the options echoed: now the sizes.
    // 2^28 folios take 8 GiB at 32 B each (assembly/layout.ts): past a wasm32 memory with any swap.
    ['swap 1T with 2^28 folios: the tables do not fit', { swap: '1T', maxFolios: 2 ** 28 }, 'ENOMEM', /does not fit: the \w[\w ]* table needs \d+ bytes .*at most \d+ folios fit/],
  ])('%s', async (_, opts, code, message) => {
    let err: unknown;
    try {
      await createSystem(opts as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemcgError);
    expect((err as MemcgError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
  });

  test('seeds: any u64 as a bigint, a safe integer as a number; the same seed gives the same system', async () => {
    const a = await createSystem({ seed: (1n << 64n) - 1n, build });
    const b = await createSystem({ seed: 2 ** 53 - 1, build });
    expect([a.cpus, b.cpus]).toEqual([4, 4]);
  });
});

describe('cgroup names as the kernel takes them', () => {
  // Measured on 6.18.44 (cgroup v1, as root, python os.mkdir below this process's memcg):
  // a 256-, 300-, 1000- and 4000-byte name is made (kernfs has no NAME_MAX check), a
  // 4100-byte one is ENAMETOOLONG (getname: PATH_MAX), a name with a newline is EINVAL
  // (cgroup_mkdir).
  test.each<[string, string, string]>([
    ['a newline', 'a/b\nc', 'EINVAL'],
    ['a NUL', 'a/b\0c', 'EINVAL'],
    ['"."', 'a/.', 'EINVAL'],
    ['".." inside', 'a/../b', 'EINVAL'],
    ['an interface file prefix', 'a/memory.x', 'EINVAL'],
    ['a path longer than PATH_MAX', `a/${'x'.repeat(4100)}`, 'ENAMETOOLONG'],
  ])('%s: %j', async (_, path, code) => {
    const s = await sys();
    expect(rejected(() => s.mkdir(path)).code).toBe(code);
    expect(s.list()).toEqual(['', 'a']);
  });

  // mkdir(2) gets "/sys/fs/cgroup/" (15 bytes) + the path in UTF-8, a lone surrogate as U+FFFD
  // (3 bytes), an emoji (a surrogate pair) as 4: up to 4095 bytes is a cgroup, 4096 is ENAMETOOLONG.
  test.each<[string, string]>([
    ['3-byte characters', '€'.repeat(1359)], // 2 + 1359 × 3 = 4079
    ['lone surrogates', '\ud800'.repeat(1000) + '\udc00'.repeat(359)],
    ['surrogate pairs', '😀'.repeat(1019) + 'x'.repeat(2)], // 4076 + 2
    ['2-byte characters', 'é'.repeat(2039)], // 4078
  ])('the PATH_MAX boundary in UTF-8 bytes, %s', async (_, body) => {
    const s = await sys();
    const pad = 4095 - 15 - 2 - utf8Length(body);
    expect(pad).toBeGreaterThanOrEqual(0);
    const name = `a/${body}${'y'.repeat(pad)}`;
    expect(new TextEncoder().encode(`/sys/fs/cgroup/${name}`).length).toBe(4095);
    s.mkdir(name);
    expect(rejected(() => s.mkdir(`${name}z`))).toEqual({ code: 'ENAMETOOLONG', message: 'ENAMETOOLONG: cgroup path of 4096 bytes: mkdir(2) takes at most 4095' });
  });

  test('utf8Length is TextEncoder\'s length (lone surrogates, pairs, every UTF-8 width)', () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0x7ff }), fc.integer({ min: 0x800, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }));
    fc.assert(fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
      const str = String.fromCharCode(...units);
      expect(utf8Length(str)).toBe(new TextEncoder().encode(str).length);
    }), { numRuns: 2000 });
  });

  test('a 300-byte name (over NAME_MAX) is a cgroup, as in the kernel', async () => {
    const s = await sys();
    const name = `a/${'x'.repeat(300)}`;
    s.mkdir(name, { 'memory.max': '1M' });
    expect(s.read(`${name}/memory.max`)).toBe('1048576\n');
  });
});

describe('files, mappings, mlock, swapoff, kmem: the same exact checks (#10 API, #12 rules)', () => {
  /** A kmem system with a 1M disk file, a tmpfs file of 8 pages, a task with 4 locked pages, and swap. */
  async function fileSys() {
    const s = await createSystem({ topology: { nodes: 2, cpusPerNode: 2 }, kmem: true, lruAddBatch: true, swap: '1M', build });
    s.mkdir('a');
    const t = s.spawn('a');
    const disk = s.createFile({ size: '1M' });
    const tmp = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 0 });
    s.writeFile(tmp, { task: t, cpu: 0, length: 8 * 4096 });
    const locked = s.mlockPopulate(t, 4, { cpu: 1 });
    return { s, t, disk, tmp, locked };
  }
  const state = (s: System, files: number[]) => ({
    snap: snapshot(s),
    files: files.map((f) => [s.fileInfo(f), s.fileFolioOrders(f)]),
    obj: Array.from({ length: s.cpus }, (_, c) => [s.objStock(c), s.lruAddPending(c)]),
    kmem: s.list().map((p) => [s.kmem(p), s.objcgChargedBytes(p)]),
  });
  type F = Awaited<ReturnType<typeof fileSys>>;

  test.each<[string, (f: F) => unknown, string, RegExp]>([
    ['createFile size 2**53 (past the 2^48-byte page index of the core)', ({ s }) => s.createFile({ size: 2 ** 53 }), 'EINVAL', /file size must be 0\.\.281474976710656 bytes/],
    ['createFile size "1Q"', ({ s }) => s.createFile({ size: '1Q' }), 'EINVAL', /file size "1Q" is not a size/],
    ['createFile size -1', ({ s }) => s.createFile({ size: -1 }), 'EINVAL', /file size must be 0\.\./],
    ['createFile size null', ({ s }) => s.createFile({ size: any(null) }), 'EINVAL', /file size must be a number of bytes or a string like "32M", not null/],
    ['createFile kind "ext4"', ({ s }) => s.createFile({ kind: any('ext4') }), 'EINVAL', /file kind must be one of "disk", "tmpfs", not "ext4"/],
    ['createFile a tmpfs file with a size', ({ s }) => s.createFile({ kind: 'tmpfs', size: '1M' }), 'EINVAL', /a tmpfs file starts empty/],
    ['createFile maxOrder 10', ({ s }) => s.createFile({ maxOrder: 10 }), 'EINVAL', /maxOrder must be an integer in 0\.\.9, not 10/],
    ['createFile readAheadKb 2**32 (>> 2 wrapped it to 0)', ({ s }) => s.createFile({ readAheadKb: 2 ** 32 }), 'EINVAL', /readAheadKb must be an integer in 0\.\.2147483647/],
    ['createFile an unknown option', ({ s }) => s.createFile(any({ sise: 1 })), 'EINVAL', /createFile options: unknown key "sise"/],
    ['createFile a context with task and cgroup', ({ s, t }) => s.createFile({ kind: 'tmpfs' }, { task: t, cgroup: 'a', cpu: 0 }), 'EINVAL', /a task or a cgroup, not both/],
    ['createFile a context without a cpu', ({ s }) => s.createFile({ kind: 'tmpfs' }, any({ cgroup: 'a' })), 'EINVAL', /cpu must be an integer in 0\.\.3, not undefined/],
    ['createFile a context of a missing cgroup', ({ s }) => s.createFile({ kind: 'tmpfs' }, { cgroup: 'b', cpu: 0 }), 'ENOENT', /no cgroup "b"/],
    ['readFile file 2**32 + disk (ToInt32 made it that file)', ({ s, t, disk }) => s.readFile(2 ** 32 + disk, { task: t, cpu: 0 }), 'EBADF', /a file id must be an integer/],
    ['readFile a file never made', ({ s, t }) => s.readFile(99, { task: t, cpu: 0 }), 'EBADF', /no file 99/],
    ['readFile chunk 0', ({ s, t, disk }) => s.readFile(disk, { task: t, cpu: 0, chunk: 0 }), 'EINVAL', /chunk must be at least 1 byte/],
    ['readFile offset 1.5', ({ s, t, disk }) => s.readFile(disk, { task: t, cpu: 0, offset: 1.5 }), 'EINVAL', /offset must be 0\.\./],
    ['readFile context null', ({ s, disk }) => s.readFile(disk, any(null)), 'EINVAL', /readFile context must be an object, not null/],
    ['readFile an unknown key', ({ s, t, disk }) => s.readFile(disk, any({ task: t, cpu: 0, size: 1 })), 'EINVAL', /readFile context: unknown key "size"/],
    ['readFile gfp 5', ({ s, t, disk }) => s.readFile(disk, { task: t, cpu: 0, gfp: any(5) }), 'EINVAL', /gfp must be a string of flag names/],
    ['readFile task 2**32', ({ s, disk }) => s.readFile(disk, { task: 2 ** 32, cpu: 0 }), 'ESRCH', /a task id/],
    ['writeFile without a length', ({ s, t, tmp }) => s.writeFile(tmp, any({ task: t, cpu: 0 })), 'EINVAL', /writeFile needs a length/],
    ['writeFile past the largest file', ({ s, t, tmp }) => s.writeFile(tmp, { task: t, cpu: 0, offset: 2 ** 48, length: 4096 }), 'EINVAL', /past the emulator's largest file/],
    ['faultFile by a cgroup', ({ s, disk }) => s.faultFile(disk, any({ cgroup: 'a', cpu: 0, length: 4096 })), 'EINVAL', /a fault is a task's/],
    ['faultFile length "x"', ({ s, t, disk }) => s.faultFile(disk, { task: t, cpu: 0, length: 'x' }), 'EINVAL', /length "x" is not a size/],
    ['mmapShared length "1Q" (the mapping was made before its length was read)', ({ s, t }) => s.mmapShared({ task: t, cpu: 0, length: '1Q' }), 'EINVAL', /length "1Q" is not a size/],
    ['mmapShared touch "yes"', ({ s, t }) => s.mmapShared({ task: t, cpu: 0, length: 4096, touch: any('yes') }), 'EINVAL', /touch must be true or false/],
    ['mmapShared without a task', ({ s }) => s.mmapShared(any({ cpu: 0, length: 4096 })), 'EINVAL', /a fault is a task's \(task\)/],
    ['truncateFile size -1', ({ s, tmp }) => s.truncateFile(tmp, -1), 'EINVAL', /size must be 0\.\./],
    ['truncateFile cpu 4', ({ s, tmp }) => s.truncateFile(tmp, 0, 4), 'EINVAL', /cpu must be an integer in 0\.\.3, not 4/],
    ['unlinkFile NaN', ({ s }) => s.unlinkFile(NaN), 'EBADF', /a file id/],
    ['fileInfo -1', ({ s }) => s.fileInfo(-1), 'EBADF', /a file id/],
    ['fileFolio page 2**36', ({ s, disk }) => s.fileFolio(disk, 2 ** 36), 'EINVAL', /a page index must be an integer in 0\.\.68719476735/],
    ['mlock [a locked folio, 2**32]: nothing moves', ({ s, locked }) => s.mlock([locked[0], 2 ** 32]), 'EINVAL', /folio 1 of the list/],
    ['munlock [a locked folio, a free one]: nothing moves', ({ s, locked }) => s.munlock([locked[0], 4000]), 'EINVAL', /munlock of folio 4000: it is not charged/],
    ['mlockPopulate pages 1.5', ({ s, t }) => s.mlockPopulate(t, 1.5), 'EINVAL', /pages must be an integer/],
    ['mlockPopulate an unknown option', ({ s, t }) => s.mlockPopulate(t, 1, any({ cpus: 0 })), 'EINVAL', /mlockPopulate options: unknown key "cpus"/],
    ['mlockPopulate task "0"', ({ s }) => s.mlockPopulate(any('0'), 1), 'ESRCH', /a task id/],
    ['swapoff cpu 1.5', ({ s }) => s.swapoff(1.5), 'EINVAL', /cpu/],
    ['kmem(5)', ({ s }) => s.kmem(any(5)), 'EINVAL', /a cgroup path must be a string, not 5/],
    ['objStock(4)', ({ s }) => s.objStock(4), 'EINVAL', /cpu must be an integer in 0\.\.3/],
    ['objcgChargedBytes of no cgroup', ({ s }) => s.objcgChargedBytes('b'), 'ENOENT', /no cgroup "b"/],
    ['lruAddPending(NaN)', ({ s }) => s.lruAddPending(NaN), 'EINVAL', /cpu/],
    ['taskPageTables(2**32)', ({ s }) => s.taskPageTables(2 ** 32), 'ESRCH', /a task id/],
    ['mkdir cpu 4 (a kmem mkdir charges the parent on that CPU)', ({ s }) => s.mkdir('a/b', {}, { cpu: 4 }), 'EINVAL', /cpu must be an integer in 0\.\.3, not 4/],
    ['mkdir an unknown option', ({ s }) => s.mkdir('a/b', {}, any({ cpus: 1 })), 'EINVAL', /mkdir options: unknown key "cpus"/],
  ])('%s', async (_, f, code, message) => {
    const x = await fileSys();
    const before = state(x.s, [x.disk, x.tmp]);
    const r = rejected(() => f(x));
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
    expect(state(x.s, [x.disk, x.tmp])).toEqual(before);
    expect(x.s.list()).toEqual(['', 'a']);
  });

  test('FILE_PAGES_MAX and MAX_FILES come from the core; the largest file is made, one byte more is refused', async () => {
    const { s } = await fileSys();
    expect(s.k('FILE_PAGES_MAX')).toBe(2 ** 36); // filemap.ts mkkey: 36 bits of page index
    expect(s.k('MAX_FILES')).toBe(4096);
    const f = s.createFile({ size: 2 ** 48 });
    expect(s.fileInfo(f).size).toBe(2 ** 48);
    expect(rejected(() => s.createFile({ size: 2 ** 48 + 1 })).code).toBe('EINVAL');
  });

  test('a full file table is the emulator\'s limit (ELIMIT), not a kernel errno', async () => {
    const s = await createSystem({ topology: { nodes: 1, cpusPerNode: 1 }, build });
    for (let i = 0; i < 4096; i++) s.createFile({ size: 4096 });
    const r = rejected(() => s.createFile({ size: 4096 }));
    expect(r.code).toBe('ELIMIT');
    expect(r.message).toMatch(/file table \(4096 files\) is full: an emulator limit, not a kernel error/);
  });

  test.each<[string, unknown, RegExp]>([
    ['kmem "yes"', { kmem: 'yes' }, /option kmem must be true or false, not "yes"/],
    ['lruAddBatch 1', { lruAddBatch: 1 }, /option lruAddBatch must be true or false, not 1/],
    ['maxFileEntries 0', { maxFileEntries: 0 }, /option maxFileEntries must be an integer in 1\.\.67108864, not 0/],
    ['maxFileEntries 2**26 + 1 (system_init refuses it)', { maxFileEntries: 2 ** 26 + 1 }, /option maxFileEntries must be an integer in 1\.\.67108864/],
    ['maxFileEntries 1.5', { maxFileEntries: 1.5 }, /option maxFileEntries .* not 1\.5/],
  ])('createSystem %s', async (_, opts, message) => {
    await expect(createSystem({ ...(opts as object), build } as never)).rejects.toThrow(message);
  });
});

describe('the cgroup core (#8 part 2) under the same rules: subtree_control, enableMemory, rmdir, memcg ids', () => {
  /** v2, 2 CPUs: a (memory enabled by mkdir) with a task in a/t, and b/n made without memory in b's subtree_control. */
  async function coreSys() {
    const s = await createSystem({ topology: { nodes: 1, cpusPerNode: 2 }, maxTasks: 2, build });
    s.mkdir('a');
    s.mkdir('a/t');
    s.spawn('a/t');
    s.mkdir('b', {}, { enableMemory: false });
    s.mkdir('b/n', {}, { enableMemory: false }); // no memory in b's subtree_control: b/n has no memcg
    return s;
  }
  const state = (s: System) => ({
    snap: snapshot(s),
    sub: s.list().map((p) => [p, s.read(p === '' ? 'cgroup.subtree_control' : `${p}/cgroup.subtree_control`), s.hasMemory(p)]),
  });

  test.each<[string, (s: System) => unknown, string, RegExp]>([
    ['mkdir enableMemory "yes"', (s) => s.mkdir('c', {}, { enableMemory: any('yes') }), 'EINVAL', /mkdir option enableMemory must be true or false, not "yes"/],
    ['mkdir enableMemory with an unknown key', (s) => s.mkdir('c', {}, any({ enableMemory: true, enable: 1 })), 'EINVAL', /mkdir options: unknown key "enable" \(known: cpu, enableMemory\)/],
    // cgroup_subtree_control_write on a cgroup with tasks: EBUSY (no internal processes), nothing enabled
    ['mkdir under a cgroup with tasks (it would enable memory there)', (s) => s.mkdir('a/t/x'), 'EBUSY', /cannot enable memory in "a\/t\/cgroup\.subtree_control"/],
    ['rmdir of a cgroup with tasks (cgroup_destroy_locked)', (s) => s.rmdir('a/t'), 'EBUSY', /rmdir "a\/t" \(the root, or a cgroup with tasks or children\)/],
    ['rmdir cpu 2', (s) => s.rmdir('b', 2), 'EINVAL', /cpu must be an integer in 0\.\.1, not 2/],
    ['rmdir cpu 1.5', (s) => s.rmdir('b', 1.5), 'EINVAL', /not 1\.5/],
    ['rmdir 5', (s) => s.rmdir(any(5)), 'EINVAL', /a cgroup path must be a string, not 5/],
    ['memcgId(null)', (s) => s.memcgId(any(null)), 'EINVAL', /a cgroup path must be a string, not null/],
    ['memcgKernelId of no cgroup', (s) => s.memcgKernelId('zz'), 'ENOENT', /no cgroup "zz"/],
    ['hasMemory([])', (s) => s.hasMemory(any([])), 'EINVAL', /not an array/],
    ['lruCost node 1 (one node)', (s) => s.lruCost('a', 1), 'EINVAL', /node must be an integer in 0\.\.0, not 1/],
    ['lruCost node "0"', (s) => s.lruCost('a', any('0')), 'EINVAL', /node .*not "0"/],
    ['counter of a cgroup without memory', (s) => s.counter('b/n'), 'ENOENT', /cgroup "b\/n" has no memory controller/],
    ['memory.max of a cgroup without memory', (s) => s.write('b/n/memory.max', '1M'), 'ENOENT', /no file b\/n\/memory\.max/],
    ['spawn past maxTasks: the emulator\'s table, not a kernel errno', (s) => { s.spawn('b'); s.spawn('b'); }, 'ELIMIT', /the emulator's task table is full \(maxTasks live tasks\)/],
    // cgroup_subtree_control_write: a token without +/- or of no controller is EINVAL before anything is looked at
    ['subtree_control "memory"', (s) => s.write('cgroup.subtree_control', 'memory'), 'EINVAL', /bad token "memory"/],
    ['subtree_control a 3000-byte token (cut in the message)', (s) => s.write('cgroup.subtree_control', `+${'x'.repeat(3000)}`), 'EINVAL', /bad token "\+x{39}…/],
    ['subtree_control +memory on a cgroup with tasks', (s) => s.write('a/t/cgroup.subtree_control', '+memory'), 'EBUSY', /the cgroup has tasks/],
    ['subtree_control -memory with a child using it', (s) => s.write('cgroup.subtree_control', '-memory'), 'EBUSY', /a child has memory in its own cgroup\.subtree_control/],
    ['subtree_control write cpu 2', (s) => s.write('a/cgroup.subtree_control', '-memory', { cpu: 2 }), 'EINVAL', /cpu must be an integer in 0\.\.1, not 2/],
    ['an open file written with cpu 1.5 (it reached the core)', (s) => s.open('a/cgroup.subtree_control').write('-memory', { cpu: 1.5 }), 'EINVAL', /write cgroup\.subtree_control: cpu must be an integer in 0\.\.1, not 1\.5/],
    ['an open file written with options null', (s) => s.open('a/cgroup.subtree_control').write('-memory', any(null)), 'EINVAL', /write cgroup\.subtree_control: options must be an object/],
    ['an open file written with an unknown option', (s) => s.open('a/cgroup.subtree_control').write('-memory', any({ cpus: 0 })), 'EINVAL', /unknown option "cpus" \(known: cpu\)/],
  ])('%s', async (_, f, code, message) => {
    const s = await coreSys();
    const before = state(s);
    const tasks = [0, 1].map((t) => outcomeOf(() => s.task(t)));
    const r = rejected(() => f(s));
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
    if (code === 'ELIMIT') return; // the first spawn of the case succeeded
    expect(state(s)).toEqual(before);
    expect([0, 1].map((t) => outcomeOf(() => s.task(t)))).toEqual(tasks);
  });

  test('createSystem autoEnableMemory: a boolean, by name', async () => {
    await expect(createSystem({ autoEnableMemory: any(1), build })).rejects.toThrow(/option autoEnableMemory must be true or false, not 1/);
    // false is the kernel's plain mkdir: below a cgroup without "+memory" in its subtree_control
    // a child has no memcg (the root's has memory, as on a systemd host)
    const s = await createSystem({ autoEnableMemory: false, build });
    s.mkdir('a');
    s.mkdir('a/b');
    expect([s.hasMemory('a'), s.hasMemory('a/b')]).toEqual([true, false]);
    expect(rejected(() => s.counter('a/b')).code).toBe('ENOENT');
  });

  test.each(Object.entries(ALIASES))('profile alias %s is accepted and is the %s row', async (alias, row) => {
    expect((await createSystem({ profile: alias as never, build })).profile).toBe(row);
  });
});

function outcomeOf(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return (e as Error).message;
  }
}
