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
    if ((s[1] === 'x' || s[1] === 'X') && digit(s.charCodeAt(2)) >= 0) {
      base = 16n;
      i = 2;
    } else base = 8n;
  }
  let v = 0n;
  for (; i < s.length; i++) {
    const d = digit(s.charCodeAt(i));
    if (d < 0 || BigInt(d) >= base) break;
    v = (v * base + BigInt(d)) & U64;
  }
  const shift = SHIFT[(s[i] ?? '').toLowerCase()];
  if (shift !== undefined) {
    v = (v << shift) & U64;
    i++;
  }
  return { bytes: v, rest: s.slice(i) };
}

/** isspace() of the kernel's ctype table: space, \t \n \v \f \r. */
function isspace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** strstrip (lib/string_helpers.c): leading and trailing white space (and so the newline) removed. */
export function strstrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isspace(s.charCodeAt(a))) a++;
  while (b > a && isspace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
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

/** The value of a digit in bases up to 16 ('0'-'9', 'a'-'f', 'A'-'F'), else -1. */
function digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lc = c | 0x20;
  return lc >= 97 && lc <= 102 ? lc - 87 : -1;
}

/**
 * kstrtoull(s, 0) (lib/kstrtox.c), as write_u64 cgroup files parse: an optional '+', a C
 * number (0x… hex, 0… octal), one optional trailing newline, nothing else. null for EINVAL,
 * 'ERANGE' above 2^64 - 1 — _kstrtoull tests the overflow bit before anything else, so an
 * overflowing number followed by garbage is ERANGE too. Linear: once the value overflows,
 * _parse_integer_limit only counts the remaining digits.
 */
export function kstrtoull(input: string): bigint | null | 'ERANGE' {
  let i = input.charCodeAt(0) === 43 ? 1 : 0; // '+'
  let base = 10;
  // _parse_integer_fixup_radix: 0x followed by a hex digit is hex, another leading 0 octal.
  if (input[i] === '0') {
    if ((input[i + 1] === 'x' || input[i + 1] === 'X') && digit(input.charCodeAt(i + 2)) >= 0) {
      base = 16;
      i += 2;
    } else base = 8;
  }
  const start = i;
  const b = BigInt(base);
  let v = 0n;
  let overflow = false;
  for (; i < input.length; i++) {
    const d = digit(input.charCodeAt(i));
    if (d < 0 || d >= base) break;
    if (!overflow) {
      v = v * b + BigInt(d);
      overflow = v > U64;
    }
  }
  if (overflow) return 'ERANGE';
  if (i === start) return null;
  if (input[i] === '\n') i++;
  return i === input.length ? v : null;
}

/** kstrtoint(s, 0): kstrtoull with an optional '-' sign, range of an int. */
export function kstrtoint(input: string): number | null | 'ERANGE' {
  const neg = input.startsWith('-');
  const v = kstrtoull(neg ? input.slice(1) : input);
  if (v === null || v === 'ERANGE') return v;
  const n = neg ? -v : v;
  return n < -(1n << 31n) || n > (1n << 31n) - 1n ? 'ERANGE' : Number(n);
}
