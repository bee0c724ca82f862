// What a write(2) to a cgroup file goes through before and around its handler: kernfs's
// atomic write length (E2BIG), the NUL-terminated buffer the handlers parse, the handler
// that is missing for a read-only or write-only file, and kstrtoull's overflow rule.
//
// Measured on this machine's 6.18.44 kernel (cgroup v1, as root; python os.write on a
// memcg made below this process's own, then removed):
//   4097 bytes to memory.limit_in_bytes          E2BIG
//   4093 spaces + "1M\n" (4096 bytes)             ok, reads 1048576
//   "2M\0zzz"                                     ok, reads 2097152
//   "1\n" to memory.usage_in_bytes (read-only)    EINVAL (open succeeds for root)
//   read of memory.force_empty (write-only)       EINVAL
//   memory.pressure_level read / write            EINVAL / EINVAL
//   4096 × "9" to memory.swappiness               ERANGE
//   "99999999999999999999999x" to swappiness      ERANGE (overflow before the trailing x)
//   "12x" to swappiness                           EINVAL
//   "\n" to memory.soft_limit_in_bytes            ok, reads 0
import { describe, expect, test } from 'vitest';
import { createSystem, MemcgError, type System } from '../src/index.js';
import { kstrtoint, kstrtoull, strstrip } from '../src/cgroupfs/memparse.js';
import { build } from './helpers/scenario.js';

async function v(version: 1 | 2): Promise<System> {
  const s = await createSystem({ cgroupVersion: version, topology: { nodes: 1, cpusPerNode: 1 }, build });
  s.mkdir('a');
  return s;
}
function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MemcgError);
    return (e as MemcgError).code;
  }
  return 'ok';
}

describe('kernfs_fop_write_iter: at most atomic_write_len = PAGE_SIZE bytes, then a C string', () => {
  test.each([
    [1, 'memory.limit_in_bytes'], [2, 'memory.max'], [2, 'memory.oom.group'], [2, 'memory.reclaim'], [1, 'memory.swappiness'],
  ] as const)('v%i %s: 4097 bytes is E2BIG and changes nothing', async (version, file) => {
    const s = await v(version);
    const before = s.read(`a/${version === 1 ? 'memory.limit_in_bytes' : 'memory.max'}`);
    expect(code(() => s.write(`a/${file}`, '1'.repeat(4097)))).toBe('E2BIG');
    expect(s.read(`a/${version === 1 ? 'memory.limit_in_bytes' : 'memory.max'}`)).toBe(before);
  });

  test('4096 bytes pass (4093 spaces + "1M\\n", measured); bytes are UTF-8 bytes, not characters', async () => {
    const s = await v(1);
    s.write('a/memory.limit_in_bytes', `${' '.repeat(4093)}1M\n`);
    expect(s.read('a/memory.limit_in_bytes')).toBe('1048576\n');
    // 1366 × "€" is 1366 characters but 4098 bytes.
    expect(code(() => s.write('a/memory.limit_in_bytes', '€'.repeat(1366)))).toBe('E2BIG');
  });

  test('a NUL ends the string the handler sees ("2M\\0zzz" is 2M, measured)', async () => {
    const s = await v(1);
    s.write('a/memory.limit_in_bytes', '2M\0zzz');
    expect(s.read('a/memory.limit_in_bytes')).toBe('2097152\n');
    s.writeLimit('a', 'memory.limit_in_bytes', '3M\0x');
    expect(s.read('a/memory.limit_in_bytes')).toBe('3145728\n');
    expect(code(() => s.mkdir('b', { 'memory.limit_in_bytes': '1'.repeat(5000) }))).toBe('E2BIG');
    expect(s.list()).toEqual(['', 'a']);
  });

  test('"\\n" is a write of an empty string: 0 bytes (page_counter_memparse of "", measured on soft_limit_in_bytes)', async () => {
    const s = await v(1);
    s.write('a/memory.soft_limit_in_bytes', '\n');
    expect(s.read('a/memory.soft_limit_in_bytes')).toBe('0\n');
    // v2 memory_max_write: strstrip, then page_counter_memparse("", "max") = 0 pages.
    const s2 = await v(2);
    s2.write('a/memory.max', '\0');
    expect(s2.read('a/memory.max')).toBe('0\n');
  });

  test('a zero-length write returns at once (cgroup_file_write: !nbytes)', async () => {
    const s = await v(2);
    s.write('a/memory.max', '');
    expect(s.read('a/memory.max')).toBe('max\n');
  });
});

describe('files without a write or read handler (root: the open passes, cgroup_file_write / cgroup_seqfile_show refuse)', () => {
  test.each([
    [1, 'write', 'memory.usage_in_bytes'], [2, 'write', 'memory.current'], [2, 'write', 'memory.events'], [2, 'write', 'cgroup.controllers'],
    [1, 'read', 'memory.force_empty'], [2, 'read', 'memory.reclaim'], [1, 'read', 'memory.pressure_level'], [1, 'write', 'memory.pressure_level'],
  ] as const)('v%i %s %s: EINVAL (measured on v1)', async (version, op, file) => {
    const s = await v(version);
    expect(code(() => (op === 'read' ? s.read(`a/${file}`) : s.write(`a/${file}`, '1\n')))).toBe('EINVAL');
  });
});

describe('kstrtoull / kstrtoint (lib/kstrtox.c)', () => {
  test.each<[string, bigint | null | 'ERANGE']>([
    ['0', 0n], ['+7\n', 7n], ['0x1f', 31n], ['0X1F', 31n], ['010', 8n], ['0x', null], ['08', null], ['', null], ['-1', null],
    ['18446744073709551615', 18446744073709551615n], ['18446744073709551616', 'ERANGE'],
    // _kstrtoull tests the overflow bit before the rest of the string (measured: ERANGE)
    ['99999999999999999999999x', 'ERANGE'], ['12x', null], ['1\n\n', null], [' 1', null],
  ])('kstrtoull(%j) = %s', (input, want) => {
    expect(kstrtoull(input)).toBe(want);
  });

  test('linear in the input: a megabyte of digits is ERANGE (it took 497 s)', () => {
    expect(kstrtoull('9'.repeat(1 << 20))).toBe('ERANGE');
    expect(kstrtoint(`-${'1'.repeat(1 << 20)}`)).toBe('ERANGE');
    expect(strstrip(`${' '.repeat(1 << 20)}x${' '.repeat(1 << 20)}`)).toBe('x');
  });

  test.each([['4096 nines', '9'.repeat(4096), 'ERANGE'], ['overflow + garbage', '99999999999999999999999x', 'ERANGE'], ['garbage', '12x', 'EINVAL']])(
    'memory.swappiness %s: %s (measured)', async (_, text, want) => {
      const s = await v(1);
      expect(code(() => s.write('a/memory.swappiness', text))).toBe(want);
    },
  );
});
