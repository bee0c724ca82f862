// Binary traces: a header naming the cgroups and the tasks, then the core's fixed-width op
// records.
//
//   struct trace_file {                   little-endian; byte offsets on the right
//     char magic[8];                      "MEMCGTR\0"                                      0
//     u16  version;                       2 (version 1 files are read too)                 8
//     u16  record_size;                   16 = sizeof(struct op)                          10
//     u32  header_size;                   bytes before records[], a multiple of 16        12
//     u64  record_count;                                                                  16
//     u32  path_count;                                                                    24
//     u32  task_count;                    version 1: reserved, read as 0                  28
//     struct { u16 len; u8 utf8[len]; } paths[path_count];   normalised cgroup paths,     32
//                                         '' = the root, each once, parents first
//     struct { u32 cgroup; i16 oom_score_adj; u16 len; u8 utf8[len]; } tasks[task_count];
//                                         processes spawned in this order before the first
//                                         record: cgroup indexes paths[], names unique
//     u8   pad[];                         zeros up to header_size
//     struct op records[record_count];    struct op of assembly/replay.ts, except:
//       CHARGE: task 0: id indexes paths[]; task i + 1: tasks[i] faults and id is 0 (the
//         core charges the task's memcg, wherever the task is now);
//       SET_*: id indexes paths[];
//       UNCHARGE, UNCHARGE_LIST, TOUCH: id is a folio handle. A CHARGE takes the most
//         recently freed handle, else the lowest never used (0, 1, 2, …), whether or not it
//         succeeds when replayed; an uncharge frees its handle. The replayer maps handles to
//         the core's folio ids and skips the uncharges and touches of charges that failed.
//       WAIT: only arg (microseconds).
//       MOVE = 128, a trace op the replayer runs between chunks (System.moveTask): task
//         i + 1 moves to paths[id]; cpu, a, kind, node, arg are 0.
//       the task field of any other op is 0 (version 1: of every op; version 1 has no
//         TOUCH, WAIT or MOVE).
//       an UNCHARGE_LIST run (a = 0 … 0, 1) ends before any other op and before the end.
//   }
//
// Reading streams the file in chunks (a trace can be larger than memory). validateTrace
// checks every byte before a replay changes any state; a TraceError gives the offset.

import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { System } from '../api/system.js';

export const TRACE_MAGIC = 'MEMCGTR\0';
export const TRACE_VERSION = 2;
export const RECORD_SIZE = 16;
const FIXED_HEADER = 32;
const CHUNK_RECORDS = 65536;

/** Op codes of struct op (assembly/replay.ts); the replayer checks the core still agrees. */
export const OP = {
  CHARGE: 1, UNCHARGE: 2, UNCHARGE_LIST: 3, SET_MAX: 4, SET_HIGH: 5, SET_LOW: 6, SET_MIN: 7, TOUCH: 8, WAIT: 9,
  SK_CHARGE: 10, SK_UNCHARGE: 11,
} as const;
/** CHARGE field a: order | OP_THP_FAULT, a task's THP fault that falls back to base pages (assembly/thp_fault.ts). */
export const OP_THP_FAULT = 0x80;
/** A trace op that is no core op: the replayer moves the task itself (System.moveTask). */
export const OP_MOVE = 128;
export const OP_NAMES: Record<number, string> = {
  [OP.CHARGE]: 'charge', [OP.UNCHARGE]: 'uncharge', [OP.UNCHARGE_LIST]: 'uncharge-list', [OP.SET_MAX]: 'set-max',
  [OP.SET_HIGH]: 'set-high', [OP.SET_LOW]: 'set-low', [OP.SET_MIN]: 'set-min', [OP.TOUCH]: 'touch', [OP.WAIT]: 'wait', [OP_MOVE]: 'move',
  [OP.SK_CHARGE]: 'sk-charge', [OP.SK_UNCHARGE]: 'sk-uncharge',
};
const MAX_ORDER = 9;
const PC_SWAP = 1;
/** oom_score_adj bounds (OOM_SCORE_ADJ_MIN/MAX). */
export const OOM_SCORE_ADJ_MIN = -1000;
export const OOM_SCORE_ADJ_MAX = 1000;

/** Where records go: the replayer, a trace file or a counter (the fields of struct op, in order). */
export interface RecordSink {
  op(code: number, a: number, kind: number, node: number, cpu: number, task: number, id: number, arg: number): void;
}

/** Write one struct op at byte offset off. */
export function putOp(dv: DataView, off: number, code: number, a: number, kind: number, node: number, cpu: number, task: number, id: number, arg: number): void {
  dv.setUint8(off, code);
  dv.setUint8(off + 1, a);
  dv.setUint8(off + 2, kind);
  dv.setUint8(off + 3, node);
  dv.setUint16(off + 4, cpu, true);
  dv.setUint16(off + 6, task, true);
  dv.setUint32(off + 8, id >>> 0, true);
  dv.setUint32(off + 12, arg >>> 0, true);
}

/** putOp into four u32 words at words[w] (a typed array's native order: little-endian, as the core's memory). */
export function putOpWords(words: Uint32Array, w: number, code: number, a: number, kind: number, node: number, cpu: number, task: number, id: number, arg: number): void {
  words[w] = (code & 0xff) | (a & 0xff) << 8 | (kind & 0xff) << 16 | (node & 0xff) << 24;
  words[w + 1] = (cpu & 0xffff) | (task & 0xffff) << 16;
  words[w + 2] = id;
  words[w + 3] = arg;
}

/** Send the records of buf (whole struct ops) to a sink. */
export function feedRecords(buf: Uint8Array, sink: RecordSink): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let o = 0; o < buf.length; o += RECORD_SIZE) {
    sink.op(buf[o], buf[o + 1], buf[o + 2], buf[o + 3], dv.getUint16(o + 4, true), dv.getUint16(o + 6, true), dv.getUint32(o + 8, true), dv.getUint32(o + 12, true));
  }
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
  private stack = new Int32Array(16); // 64 bytes: on V8's heap, no backing store (replayer.ts)
  private nfree = 0;
  private live = new Uint8Array(64);
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
export function grow<T extends Int32Array | Uint8Array | Float64Array>(a: T, n: number): T {
  let len = a.length || 1;
  while (len < n) len *= 2;
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}

/** A process of the task table: its name, the index of its first cgroup in paths, oom_score_adj. */
export type TraceTask = { name: string; cgroup: number; oomScoreAdj: number };
export type TraceHeader = { version: number; headerSize: number; records: number; paths: string[]; tasks: TraceTask[] };

/** Records a RecordSink receives into a trace file; close() writes the final count. */
export class TraceWriter implements RecordSink {
  private readonly fd: number;
  private readonly buf = new Uint8Array(CHUNK_RECORDS * RECORD_SIZE);
  private readonly dv = new DataView(this.buf.buffer);
  private n = 0;
  private readonly headerSize: number;
  records = 0;

  constructor(readonly file: string, paths: string[], tasks: TraceTask[] = []) {
    const names = paths.map((p) => Buffer.from(p, 'utf8'));
    const taskNames = tasks.map((t) => Buffer.from(t.name, 'utf8'));
    const size = names.reduce((s, b) => s + 2 + b.length, FIXED_HEADER) + taskNames.reduce((s, b) => s + 8 + b.length, 0);
    this.headerSize = Math.ceil(size / RECORD_SIZE) * RECORD_SIZE;
    const h = Buffer.alloc(this.headerSize);
    h.write(TRACE_MAGIC, 0, 'latin1');
    h.writeUInt16LE(TRACE_VERSION, 8);
    h.writeUInt16LE(RECORD_SIZE, 10);
    h.writeUInt32LE(this.headerSize, 12);
    h.writeUInt32LE(paths.length, 24);
    h.writeUInt32LE(tasks.length, 28);
    let off = FIXED_HEADER;
    for (const b of names) {
      h.writeUInt16LE(b.length, off);
      b.copy(h, off + 2);
      off += 2 + b.length;
    }
    tasks.forEach((t, i) => {
      h.writeUInt32LE(t.cgroup, off);
      h.writeInt16LE(t.oomScoreAdj, off + 4);
      h.writeUInt16LE(taskNames[i].length, off + 6);
      taskNames[i].copy(h, off + 8);
      off += 8 + taskNames[i].length;
    });
    this.fd = openSync(file, 'w');
    writeSync(this.fd, h);
  }

  op(code: number, a: number, kind: number, node: number, cpu: number, task: number, id: number, arg: number): void {
    putOp(this.dv, this.n * RECORD_SIZE, code, a, kind, node, cpu, task, id, arg);
    this.records++;
    if (++this.n === CHUNK_RECORDS) this.flush();
  }

  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.n * RECORD_SIZE);
    this.n = 0;
  }

  /** Close without finishing (record_count stays 0): the caller removes the file. */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
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
  if (version !== 1 && version !== TRACE_VERSION) fail(8, `unsupported version ${version} (this build reads versions 1 and ${TRACE_VERSION})`);
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
  const h = Buffer.alloc(headerSize);
  readSync(fd, h, 0, headerSize, 0);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let off = FIXED_HEADER;
  /** The UTF-8 text of a table entry at off (its u16 length just before the text, at off + skip - 2) and its size. */
  const entry = (table: string, i: number, count: number, skip: number): [string, number] => {
    if (off + skip > headerSize) fail(off, `${table}: entry ${i} of ${count} runs past header_size ${headerSize}`);
    const len = h.readUInt16LE(off + skip - 2);
    if (off + skip + len > headerSize) fail(off, `${table}: entry ${i} (${len} bytes) runs past header_size ${headerSize}`);
    try {
      return [decoder.decode(h.subarray(off + skip, off + skip + len)), skip + len];
    } catch {
      return fail(off + skip, `${table}: entry ${i} is not UTF-8`);
    }
  };
  const pathCount = fixed.readUInt32LE(24);
  const paths: string[] = [];
  for (let i = 0; i < pathCount; i++) {
    const [p, size] = entry('path table', i, pathCount, 2);
    const bad = p.split('/').find((n) => n.startsWith('memory.') || n.startsWith('cgroup.') || n === '.' || n === '..');
    if (System.normalize(p) !== p || bad !== undefined) fail(off + 2, `path table: "${p}" is not a normalised cgroup path`);
    if (paths.includes(p)) fail(off + 2, `path table: "${p}" appears twice`);
    const parent = p.slice(0, Math.max(0, p.lastIndexOf('/')));
    if (parent !== '' && !paths.includes(parent)) fail(off + 2, `path table: "${p}" comes before its parent "${parent}"`);
    paths.push(p);
    off += size;
  }
  const taskCount = version === 1 ? 0 : fixed.readUInt32LE(28);
  if (taskCount > 0xfffe) fail(28, `task count ${taskCount} is above 65534 (the record's task field is a u16, task + 1)`);
  const tasks: TraceTask[] = [];
  for (let i = 0; i < taskCount; i++) {
    const [name, size] = entry('task table', i, taskCount, 8);
    const cgroup = h.readUInt32LE(off);
    const adj = h.readInt16LE(off + 4);
    if (name === '') fail(off + 6, `task table: entry ${i} has no name`);
    if (tasks.some((t) => t.name === name)) fail(off + 8, `task table: "${name}" appears twice`);
    if (cgroup >= paths.length) fail(off, `task table: task "${name}": cgroup index ${cgroup} is outside the path table (${paths.length} paths)`);
    if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) fail(off + 4, `task table: task "${name}": oom_score_adj ${adj} out of range ${OOM_SCORE_ADJ_MIN}..${OOM_SCORE_ADJ_MAX}`);
    tasks.push({ name, cgroup, oomScoreAdj: adj });
    off += size;
  }
  return { version, headerSize, records, paths, tasks };
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
export function validateTrace(file: string, m: Machine, progress?: (done: number, total: number) => void): TraceInfo {
  const h = readTraceHeader(file);
  progress?.(0, h.records);
  const codes = Object.keys(OP_NAMES).map(Number).filter((c) => h.version > 1 || c <= OP.SET_MIN);
  const counts = new Map(codes.map((c) => [c, 0]));
  const handles = new Handles();
  let listOpen = -1; // offset of an UNCHARGE_LIST record with a = 0 awaiting its last
  for (const [buf, first] of traceChunks(file, h)) {
    if (first > 0) progress?.(first, h.records);
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
      const task = dv.getUint16(r + 6, true);
      const id = dv.getUint32(r + 8, true);
      const arg = dv.getUint32(r + 12, true);
      /** Fields that must be 0 in this op: [name, offset, value]. */
      const zero = (...fields: [string, number, number][]) => {
        for (const [name, at, v] of fields) if (v !== 0) fail(at, `${OP_NAMES[code]}: ${name} is ${v}, not 0`);
      };
      const count = counts.get(code);
      if (count === undefined) fail(0, `unknown op code ${code}${h.version === 1 && OP_NAMES[code] ? ` (${OP_NAMES[code]} is a version 2 op)` : ''}`);
      counts.set(code, count! + 1);
      if (listOpen >= 0 && code !== OP.UNCHARGE_LIST) fail(0, `${OP_NAMES[code]} inside the uncharge list begun at offset ${listOpen}`);
      if (cpu >= m.cpus) fail(4, `cpu ${cpu} out of range 0..${m.cpus - 1}`);
      if (task > h.tasks.length) fail(6, h.version === 1 ? 'the task field is not 0 (version 1 traces have no tasks)' : `task ${task - 1} is outside the task table (${h.tasks.length} tasks)`);
      if (task !== 0 && code !== OP.CHARGE && code !== OP_MOVE) zero(['the task field', 6, task]);
      const gfp = () => {
        if ((arg & ~m.gfpBits) !== 0) fail(12, `gfp mask 0x${arg.toString(16)} has unknown bits 0x${(arg & ~m.gfpBits).toString(16)}`);
      };
      const cgroupIndex = () => {
        if (id >= h.paths.length) fail(8, `cgroup index ${id} is outside the path table (${h.paths.length} paths)`);
      };
      if (code === OP.CHARGE) {
        if (a & OP_THP_FAULT) {
          if (a !== (OP_THP_FAULT | MAX_ORDER) || kind !== 0 || task === 0) fail(1, `field a is 0x${a.toString(16)}: a THP fault (0x80) is an order-${MAX_ORDER} anon charge by a task`);
        } else if (a > MAX_ORDER) fail(1, `folio order ${a} out of range 0..${MAX_ORDER}`);
        if (kind > 1) fail(2, `folio kind ${kind} is neither anon (0) nor file (1)`);
        if (node > m.nodes) fail(3, `node ${node - 1} out of range 0..${m.nodes - 1}`);
        if (task === 0) cgroupIndex();
        else if (id !== 0) fail(8, `a charge by task ${task - 1} names no cgroup (id is ${id}, not 0)`);
        gfp();
        handles.alloc();
      } else if (code === OP.UNCHARGE || code === OP.UNCHARGE_LIST || code === OP.TOUCH) {
        if (code === OP.UNCHARGE_LIST ? a > 1 : a !== 0) fail(1, `field a is ${a}`);
        zero(['kind', 2, kind], ['node', 3, node]);
        if (code === OP.TOUCH) {
          gfp();
          if (!handles.isLive(id)) fail(8, `folio handle ${id} is not charged`);
        } else {
          zero(['arg', 12, arg]);
          if (!handles.release(id)) fail(8, `folio handle ${id} is not charged`);
          listOpen = code === OP.UNCHARGE_LIST && a === 0 ? (listOpen < 0 ? off : listOpen) : -1;
        }
      } else if (code === OP.WAIT) {
        zero(['a', 1, a], ['kind', 2, kind], ['node', 3, node], ['cpu', 4, cpu], ['id', 8, id]);
      } else if (code === OP.SK_CHARGE || code === OP.SK_UNCHARGE) {
        if (a < 1) fail(1, `${OP_NAMES[code]} of ${a} pages (1..255)`);
        zero(['kind', 2, kind], ['node', 3, node]);
        if (code === OP.SK_CHARGE) gfp();
        else zero(['arg', 12, arg]);
        cgroupIndex();
      } else if (code === OP_MOVE) {
        zero(['a', 1, a], ['kind', 2, kind], ['node', 3, node], ['cpu', 4, cpu], ['arg', 12, arg]);
        if (task === 0) fail(6, 'a move names a task (the task field is 0)');
        cgroupIndex();
      } else {
        if (a > PC_SWAP) fail(1, `counter ${a} is neither memory (0) nor swap (1)`);
        zero(['kind', 2, kind], ['node', 3, node]);
        cgroupIndex();
      }
    }
  }
  if (listOpen >= 0) throw new TraceError(file, listOpen, 'the trace ends inside the uncharge list begun here');
  const ops = Object.fromEntries([...counts].map(([c, n]) => [OP_NAMES[c], n]));
  return { ...h, ops, handles: handles.used };
}

/** Send every record of a (validated) trace to a sink, streaming. */
export function feedTrace(file: string, h: TraceHeader, sink: RecordSink): void {
  for (const [buf] of traceChunks(file, h)) feedRecords(buf, sink);
}
