// Checked ops: the two common replay ops (a charge of a cgroup, an uncharge) as frozen objects
// made by Ops.charge / Ops.uncharge, each value's type and range checked once, when made. They
// are ordinary Ops (replay, replayCodes, replayView, encode and charge take them, JSON.stringify
// gives the same object), but a bulk replay knows them by their class's private brand: a
// frozen object of this class has exactly these keys, so its encode skips what it does for any
// other object (the unknown-key for…in, the type tests). What depends on the system (the CPU
// and order against this machine, the cgroup's existence, the folio's charge) is still checked
// at the replay, with the errors a literal op gets there.
import { MemcgError } from '../core/errors.js';
import { isInt, show } from './check.js';

/** System.id()'s path slots (a power of two). */
export const PATH_SLOTS = 128;
/** A path's slot in System.id()'s cache: its length and three of its characters. */
export function pathSlot(path: string): number {
  const len = path.length;
  return len === 0 ? 0 : (len + path.charCodeAt(len - 1) + (path.charCodeAt(len >> 1) << 2) + (path.charCodeAt(len > 1 ? 1 : 0) << 4)) & 127; // PATH_SLOTS - 1, a literal: a module const is a context load
}

/** The largest folio id an op can carry (System's ID_MAX). */
const ID_MAX = 0x7fffffff;
/** CPUs and orders are checked against the system at the replay; here only as u32 integers. */
const U32_MAX = 0xffffffff;

function need(what: string, v: unknown, max: number): number {
  if (!isInt(v, 0, max)) throw new MemcgError('EINVAL', `${what} must be an integer in 0..${max}, not ${show(v)}`);
  return v;
}

/** { op: 'charge', cgroup, cpu, order }: Ops.charge makes it. */
export class ChargeOp {
  readonly op = 'charge' as const;
  readonly cgroup: string;
  readonly cpu: number;
  readonly order: number;
  /** Its cgroup's pathSlot, taken once: the brand of the class (a private field cannot be copied). */
  #slot: number;
  /** @internal Ops.charge makes one. */
  constructor(cgroup: string, cpu: number, order: number) {
    if (typeof cgroup !== 'string') throw new MemcgError('EINVAL', `Ops.charge: cgroup must be a string, not ${show(cgroup)}`);
    this.cgroup = cgroup;
    this.#slot = pathSlot(cgroup);
    this.cpu = need('Ops.charge: cpu', cpu, U32_MAX);
    this.order = need('Ops.charge: order', order, U32_MAX);
    Object.freeze(this);
  }
  /** Made by Ops.charge (the brand cannot be copied onto another object). */
  static is(o: object): o is ChargeOp {
    return #slot in o;
  }
  /** Its cgroup's pathSlot when o was made by Ops.charge; -1 for any other object. */
  static slot(o: object): number {
    return #slot in o ? (o as ChargeOp).#slot : -1;
  }
}

/** { op: 'uncharge', folio, cpu }: Ops.uncharge makes it. */
export class UnchargeOp {
  readonly op = 'uncharge' as const;
  readonly folio: number;
  readonly cpu: number;
  #checked = true;
  /** @internal Ops.uncharge makes one. */
  constructor(folio: number, cpu: number) {
    this.folio = need('Ops.uncharge: folio', folio, ID_MAX);
    this.cpu = need('Ops.uncharge: cpu', cpu, U32_MAX);
    Object.freeze(this);
  }
  /** Made by Ops.uncharge. */
  static is(o: object): o is UnchargeOp {
    return #checked in o;
  }
}

/**
 * Checked ops for bulk replays: `sys.replayCodes(folios.map((f) => Ops.uncharge(f, 1)))`.
 * The same ops and results as `{ op: 'charge', cgroup, cpu, order }` and
 * `{ op: 'uncharge', folio, cpu }`, encoded faster (no key enumeration per op).
 */
export const Ops = Object.freeze({
  /** A charge of 2^order pages to a cgroup from a CPU (order 0 by default). */
  charge: (cgroup: string, cpu: number, order = 0): ChargeOp => new ChargeOp(cgroup, cpu, order),
  /** The uncharge of a folio from a CPU (CPU 0 by default). */
  uncharge: (folio: number, cpu = 0): UnchargeOp => new UnchargeOp(folio, cpu),
});
