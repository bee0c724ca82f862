// Parsing what a user writes into a limit file, as the kernel does.

const U64 = (1n << 64n) - 1n;
/** PAGE_COUNTER_MAX on 64-bit: LONG_MAX / PAGE_SIZE. */
export const PAGE_COUNTER_MAX = 2251799813685247;
export const PAGE_SIZE = 4096;

const SHIFT: Record<string, bigint> = { k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n };

/**
 * memparse (lib/cmdline.c): an unsigned number in C notation (simple_strtoull with base 0:
 * 0x… hex, 0… octal, else decimal; no sign; wraps at 2^64), then an optional K/M/G/T/P/E
 * suffix in either case. Returns the bytes and the unparsed rest.
 */
export function memparse(s: string): { bytes: bigint; rest: string } {
  let i = 0;
  let base = 10n;
  if (s[0] === '0') {
    if ((s[1] === 'x' || s[1] === 'X') && /[0-9a-fA-F]/.test(s[2] ?? '')) {
      base = 16n;
      i = 2;
    } else base = 8n;
  }
  let v = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 16);
    if (Number.isNaN(d) || BigInt(d) >= base) break;
    v = (v * base + BigInt(d)) & U64;
  }
  const shift = SHIFT[(s[i] ?? '').toLowerCase()];
  if (shift !== undefined) {
    v = (v << shift) & U64;
    i++;
  }
  return { bytes: v, rest: s.slice(i) };
}

/** strstrip: the kernel strips leading and trailing white space (and so the newline). */
export function strstrip(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

/**
 * page_counter_memparse: the max token ("max" in v2, "-1" in v1) or bytes → pages, rounded
 * down, capped at PAGE_COUNTER_MAX. null when anything is left after the number.
 */
export function pageCounterMemparse(input: string, maxToken: string): number | null {
  const buf = strstrip(input);
  if (buf === maxToken) return PAGE_COUNTER_MAX;
  const { bytes, rest } = memparse(buf);
  if (rest !== '') return null;
  const pages = bytes / BigInt(PAGE_SIZE);
  return pages > BigInt(PAGE_COUNTER_MAX) ? PAGE_COUNTER_MAX : Number(pages);
}

/**
 * kstrtoull(s, 0) (lib/kstrtox.c), as write_u64 cgroup files parse: an optional '+', a C
 * number (0x… hex, 0… octal), one optional trailing newline, nothing else. null for EINVAL,
 * 'ERANGE' above 2^64 - 1.
 */
export function kstrtoull(input: string): bigint | null | 'ERANGE' {
  let s = input.startsWith('+') ? input.slice(1) : input;
  let base = 10n;
  if (s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && /[0-9a-fA-F]/.test(s[2] ?? '')) {
    base = 16n;
    s = s.slice(2);
  } else if (s[0] === '0') base = 8n;
  let v = 0n;
  let i = 0;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 16);
    if (Number.isNaN(d) || BigInt(d) >= base) break;
    v = v * base + BigInt(d);
  }
  if (i === 0) return null;
  if (s[i] === '\n') i++;
  if (i !== s.length) return null;
  return v > (1n << 64n) - 1n ? 'ERANGE' : v;
}

/** kstrtoint(s, 0): kstrtoull with an optional '-' sign, range of an int. */
export function kstrtoint(input: string): number | null | 'ERANGE' {
  const neg = input.startsWith('-');
  const v = kstrtoull(neg ? input.slice(1) : input);
  if (v === null || v === 'ERANGE') return v;
  const n = neg ? -v : v;
  return n < -(1n << 31n) || n > (1n << 31n) - 1n ? 'ERANGE' : Number(n);
}
