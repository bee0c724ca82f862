// Binary traces: a header naming the cgroups, then the core's fixed-width op records.
//
//   struct trace_file {                   little-endian; byte offsets on the right
//     char magic[8];                      "MEMCGTR\0"                                      0
//     u16  version;                       1                                                8
//     u16  record_size;                   16 = sizeof(struct op)                          10
//     u32  header_size;                   bytes before records[], a multiple of 16        12
//     u64  record_count;                                                                  16
//     u32  path_count;                                                                    24
//     u32  reserved;                      0                                               28
//     struct { u16 len; u8 utf8[len]; } paths[path_count];   normalised cgroup paths,     32
//                                         '' = the root, each once, parents first
//     u8   pad[];                         zeros up to header_size
//     struct op records[record_count];    struct op of assembly/replay.ts, except:
//       CHARGE, SET_*: id indexes paths[] (the replayer maps it to the memcg);
//       UNCHARGE, UNCHARGE_LIST: id is a folio handle. A CHARGE takes the most recently freed
//         handle, else the lowest never used (0, 1, 2, …), whether or not it succeeds when
//         replayed; an uncharge frees its handle. The replayer maps handles to the core's folio
//         ids and skips the uncharge of a charge that failed.
//       the u16 after cpu (task) is 0: version 1 has no tasks.
//       an UNCHARGE_LIST run (a = 0 … 0, 1) ends before any other op and before the end.
//   }
//
// Reading streams the file in chunks (a trace can be larger than memory). validateTrace
// checks every byte before a replay changes any state; a TraceError gives the offset.

import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { System } from './system.js';

export const TRACE_MAGIC = 'MEMCGTR\0';
export const TRACE_VERSION = 1;
export const RECORD_SIZE = 16;
const FIXED_HEADER = 32;
const CHUNK_RECORDS = 65536;

/** Op codes of struct op (assembly/replay.ts); the replayer checks the core still agrees. */
export const OP = { CHARGE: 1, UNCHARGE: 2, UNCHARGE_LIST: 3, SET_MAX: 4, SET_HIGH: 5, SET_LOW: 6, SET_MIN: 7 } as const;
export const OP_NAMES = ['', 'charge', 'uncharge', 'uncharge-list', 'set-max', 'set-high', 'set-low', 'set-min'] as const;
const MAX_ORDER = 9;
const PC_SWAP = 1;

/** Where records go: the replayer, a trace file or a counter. */
export interface RecordSink {
  op(code: number, a: number, kind: number, node: number, cpu: number, id: number, arg: number): void;
}

/** Write one struct op at byte offset off. */
export function putOp(dv: DataView, off: number, code: number, a: number, kind: number, node: number, cpu: number, id: number, arg: number): void {
  dv.setUint8(off, code);
  dv.setUint8(off + 1, a);
  dv.setUint8(off + 2, kind);
  dv.setUint8(off + 3, node);
  dv.setUint16(off + 4, cpu, true);
  dv.setUint16(off + 6, 0, true);
  dv.setUint32(off + 8, id >>> 0, true);
  dv.setUint32(off + 12, arg >>> 0, true);
}

/** A corrupt or truncated trace: the byte offset and what is wrong there. */
export class TraceError extends Error {
  readonly code = 'ETRACE';
  constructor(readonly file: string, readonly offset: number, readonly reason: string) {
    super(`${file}: offset ${offset}: ${reason}`);
    this.name = 'TraceError';
  }
}

/**
 * Trace folio handles: a charge takes the most recently freed handle, else the next new one
 * (the rule of the core's folio_alloc, so a trace replayed where every charge succeeds names
 * the core's own folio ids).
 */
export class Handles {
  private stack = new Int32Array(256);
  private nfree = 0;
  private live = new Uint8Array(256);
  /** Handles ever used: every handle is below it. */
  used = 0;

  alloc(): number {
    const h = this.nfree > 0 ? this.stack[--this.nfree] : this.used++;
    if (h >= this.live.length) this.live = grow(this.live, h + 1);
    this.live[h] = 1;
    return h;
  }
  isLive(h: number): boolean {
    return h < this.used && this.live[h] === 1;
  }
  /** Free a live handle; false if it is not live. */
  release(h: number): boolean {
    if (!this.isLive(h)) return false;
    this.live[h] = 0;
    if (this.nfree === this.stack.length) this.stack = grow(this.stack, this.nfree + 1);
    this.stack[this.nfree++] = h;
    return true;
  }
}

/** A typed array at least n long (doubling). */
export function grow<T extends Int32Array | Uint8Array>(a: T, n: number): T {
  let len = a.length || 1;
  while (len < n) len *= 2;
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}

export type TraceHeader = { version: number; headerSize: number; records: number; paths: string[] };

/** Records a RecordSink receives into a trace file; close() writes the final count. */
export class TraceWriter implements RecordSink {
  private readonly fd: number;
  private readonly buf = new Uint8Array(CHUNK_RECORDS * RECORD_SIZE);
  private readonly dv = new DataView(this.buf.buffer);
  private n = 0;
  private readonly headerSize: number;
  records = 0;

  constructor(readonly file: string, paths: string[]) {
    const names = paths.map((p) => Buffer.from(p, 'utf8'));
    const size = names.reduce((s, b) => s + 2 + b.length, FIXED_HEADER);
    this.headerSize = Math.ceil(size / RECORD_SIZE) * RECORD_SIZE;
    const h = Buffer.alloc(this.headerSize);
    h.write(TRACE_MAGIC, 0, 'latin1');
    h.writeUInt16LE(TRACE_VERSION, 8);
    h.writeUInt16LE(RECORD_SIZE, 10);
    h.writeUInt32LE(this.headerSize, 12);
    h.writeUInt32LE(paths.length, 24);
    let off = FIXED_HEADER;
    for (const b of names) {
      h.writeUInt16LE(b.length, off);
      b.copy(h, off + 2);
      off += 2 + b.length;
    }
    this.fd = openSync(file, 'w');
    writeSync(this.fd, h);
  }

  op(code: number, a: number, kind: number, node: number, cpu: number, id: number, arg: number): void {
    putOp(this.dv, this.n * RECORD_SIZE, code, a, kind, node, cpu, id, arg);
    this.records++;
    if (++this.n === CHUNK_RECORDS) this.flush();
  }

  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.n * RECORD_SIZE);
    this.n = 0;
  }

  /** Flush, write record_count, close; the file's size in bytes. */
  close(): number {
    this.flush();
    const count = Buffer.alloc(8);
    count.writeBigUInt64LE(BigInt(this.records));
    writeSync(this.fd, count, 0, 8, 16);
    closeSync(this.fd);
    return this.headerSize + this.records * RECORD_SIZE;
  }
}

/** Read a trace's header, checking it and the file size against record_count. */
export function readTraceHeader(file: string): TraceHeader {
  const fd = openSync(file, 'r');
  try {
    return header(file, fd);
  } finally {
    closeSync(fd);
  }
}

function header(file: string, fd: number): TraceHeader {
  const size = fstatSync(fd).size;
  const fail = (offset: number, reason: string): never => {
    throw new TraceError(file, offset, reason);
  };
  if (size < FIXED_HEADER) fail(size, `truncated header: the file has ${size} bytes, the fixed header ${FIXED_HEADER}`);
  const fixed = Buffer.alloc(FIXED_HEADER);
  readSync(fd, fixed, 0, FIXED_HEADER, 0);
  if (fixed.toString('latin1', 0, 8) !== TRACE_MAGIC) fail(0, 'bad magic: not a memcg-sim trace');
  const version = fixed.readUInt16LE(8);
  if (version !== TRACE_VERSION) fail(8, `unsupported version ${version} (this build reads version ${TRACE_VERSION})`);
  if (fixed.readUInt16LE(10) !== RECORD_SIZE) fail(10, `record size ${fixed.readUInt16LE(10)}, expected ${RECORD_SIZE}`);
  const headerSize = fixed.readUInt32LE(12);
  if (headerSize < FIXED_HEADER || headerSize % RECORD_SIZE !== 0) fail(12, `header size ${headerSize} is not a multiple of ${RECORD_SIZE} of at least ${FIXED_HEADER}`);
  if (headerSize > size) fail(size, `truncated header: header size ${headerSize}, the file has ${size} bytes`);
  const records = Number(fixed.readBigUInt64LE(16));
  const end = headerSize + records * RECORD_SIZE;
  if (end > size) {
    const whole = Math.floor((size - headerSize) / RECORD_SIZE);
    fail(headerSize + whole * RECORD_SIZE, `truncated: record_count is ${records}, the file holds ${whole} whole records (${size} bytes, ${end} expected)`);
  }
  if (end < size) fail(end, `${size - end} bytes after the last of ${records} records`);
  const count = fixed.readUInt32LE(24);
  const h = Buffer.alloc(headerSize);
  readSync(fd, h, 0, headerSize, 0);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const paths: string[] = [];
  let off = FIXED_HEADER;
  for (let i = 0; i < count; i++) {
    if (off + 2 > headerSize) fail(off, `path table: entry ${i} of ${count} runs past header_size ${headerSize}`);
    const len = h.readUInt16LE(off);
    if (off + 2 + len > headerSize) fail(off, `path table: entry ${i} (${len} bytes) runs past header_size ${headerSize}`);
    let p = '';
    try {
      p = decoder.decode(h.subarray(off + 2, off + 2 + len));
    } catch {
      fail(off + 2, `path table: entry ${i} is not UTF-8`);
    }
    const bad = p.split('/').find((n) => n.startsWith('memory.') || n.startsWith('cgroup.') || n === '.' || n === '..');
    if (System.normalize(p) !== p || bad !== undefined) fail(off + 2, `path table: "${p}" is not a normalised cgroup path`);
    if (paths.includes(p)) fail(off + 2, `path table: "${p}" appears twice`);
    const parent = p.slice(0, Math.max(0, p.lastIndexOf('/')));
    if (parent !== '' && !paths.includes(parent)) fail(off + 2, `path table: "${p}" comes before its parent "${parent}"`);
    paths.push(p);
    off += 2 + len;
  }
  return { version, headerSize, records, paths };
}

/** Stream the records of a trace in chunks: (records of the chunk, index of its first record). */
export function* traceChunks(file: string, h: TraceHeader, chunkRecords = CHUNK_RECORDS): Generator<[Uint8Array, number]> {
  const fd = openSync(file, 'r');
  try {
    const buf = new Uint8Array(chunkRecords * RECORD_SIZE);
    for (let first = 0; first < h.records; first += chunkRecords) {
      const n = Math.min(chunkRecords, h.records - first);
      const got = readSync(fd, buf, 0, n * RECORD_SIZE, h.headerSize + first * RECORD_SIZE);
      if (got !== n * RECORD_SIZE) throw new TraceError(file, h.headerSize + first * RECORD_SIZE + got, 'the file shrank while being read');
      yield [buf.subarray(0, n * RECORD_SIZE), first];
    }
  } finally {
    closeSync(fd);
  }
}

/** What a trace holds, by op. */
export type TraceInfo = TraceHeader & { ops: Record<string, number>; handles: number };
/** The machine a trace is checked against. */
export type Machine = { cpus: number; nodes: number; gfpBits: number };

/** Check a whole trace (header, every record, handle liveness) against a machine, streaming. */
export function validateTrace(file: string, m: Machine): TraceInfo {
  const h = readTraceHeader(file);
  const counts = new Array<number>(OP_NAMES.length).fill(0);
  const handles = new Handles();
  let listOpen = -1; // offset of an UNCHARGE_LIST record with a = 0 awaiting its last
  for (const [buf, first] of traceChunks(file, h)) {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let r = 0; r < buf.length; r += RECORD_SIZE) {
      const off = h.headerSize + first * RECORD_SIZE + r;
      const fail = (field: number, reason: string): never => {
        throw new TraceError(file, off + field, `record ${(off - h.headerSize) / RECORD_SIZE}: ${reason}`);
      };
      const code = buf[r];
      const a = buf[r + 1];
      const kind = buf[r + 2];
      const node = buf[r + 3];
      const cpu = dv.getUint16(r + 4, true);
      const id = dv.getUint32(r + 8, true);
      const arg = dv.getUint32(r + 12, true);
      if (code < OP.CHARGE || code > OP.SET_MIN) fail(0, `unknown op code ${code}`);
      if (listOpen >= 0 && code !== OP.UNCHARGE_LIST) fail(0, `${OP_NAMES[code]} inside the uncharge list begun at offset ${listOpen}`);
      if (cpu >= m.cpus) fail(4, `cpu ${cpu} out of range 0..${m.cpus - 1}`);
      if (dv.getUint16(r + 6, true) !== 0) fail(6, 'the task field is not 0 (version 1 traces have no tasks)');
      if (code === OP.CHARGE) {
        if (a > MAX_ORDER) fail(1, `folio order ${a} out of range 0..${MAX_ORDER}`);
        if (kind > 1) fail(2, `folio kind ${kind} is neither anon (0) nor file (1)`);
        if (node > m.nodes) fail(3, `node ${node - 1} out of range 0..${m.nodes - 1}`);
        if (id >= h.paths.length) fail(8, `cgroup index ${id} is outside the path table (${h.paths.length} paths)`);
        if ((arg & ~m.gfpBits) !== 0) fail(12, `gfp mask 0x${arg.toString(16)} has unknown bits 0x${(arg & ~m.gfpBits).toString(16)}`);
        handles.alloc();
      } else if (code === OP.UNCHARGE || code === OP.UNCHARGE_LIST) {
        if (code === OP.UNCHARGE ? a !== 0 : a > 1) fail(1, `field a is ${a}`);
        if (kind !== 0 || node !== 0 || arg !== 0) fail(kind !== 0 ? 2 : node !== 0 ? 3 : 12, 'an uncharge has only cpu and a handle');
        if (!handles.release(id)) fail(8, `folio handle ${id} is not charged`);
        listOpen = code === OP.UNCHARGE_LIST && a === 0 ? (listOpen < 0 ? off : listOpen) : -1;
      } else {
        if (a > PC_SWAP) fail(1, `counter ${a} is neither memory (0) nor swap (1)`);
        if (kind !== 0 || node !== 0) fail(kind !== 0 ? 2 : 3, 'a limit write has only cpu, counter, cgroup and pages');
        if (id >= h.paths.length) fail(8, `cgroup index ${id} is outside the path table (${h.paths.length} paths)`);
      }
      counts[code]++;
    }
  }
  if (listOpen >= 0) throw new TraceError(file, listOpen, 'the trace ends inside the uncharge list begun here');
  const ops = Object.fromEntries(OP_NAMES.slice(1).map((n, i) => [n, counts[i + 1]]));
  return { ...h, ops, handles: handles.used };
}

/** Send every record of a (validated) trace to a sink, streaming. */
export function feedTrace(file: string, h: TraceHeader, sink: RecordSink): void {
  for (const [buf] of traceChunks(file, h)) {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let o = 0; o < buf.length; o += RECORD_SIZE) {
      sink.op(buf[o], buf[o + 1], buf[o + 2], buf[o + 3], dv.getUint16(o + 4, true), dv.getUint32(o + 8, true), dv.getUint32(o + 12, true));
    }
  }
}
