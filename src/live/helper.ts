// The native helper (native/memcg-live-helper.c): built at first use with the system C
// compiler into a per-user cache directory, then run as one supervisor process per live run.
// The protocol is described at the top of the C file; this is its client.

import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { constants as osConstants, homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { LiveSetupError, packageDir } from './machine.js';

const SOURCE = join('native', 'memcg-live-helper.c');
const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the built helper goes: $MEMCG_SIM_CACHE, the user's cache directory, the package's native/build, a temp directory. */
function cacheDirs(pkg: string): string[] {
  const uid = process.getuid?.() ?? 0;
  return [
    process.env.MEMCG_SIM_CACHE,
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'memcg-sim'),
    join(pkg, 'native', 'build'),
    join(tmpdir(), `memcg-sim-${uid}`),
  ].filter((d): d is string => !!d);
}

/** The helper binary, compiled now if this version of the source was not built yet. */
export function helperBinary(): string {
  const pkg = packageDir(dirname(fileURLToPath(import.meta.url)));
  const src = join(pkg, SOURCE);
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const name = `memcg-live-helper-${process.arch}-${hash}`;
  const dirs = cacheDirs(pkg);
  for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  const dir = dirs.find(writable);
  if (!dir) throw new LiveSetupError(`no writable directory for the native helper (tried ${dirs.join(', ')}): set MEMCG_SIM_CACHE`);
  const cc = process.env.CC || 'cc';
  const out = join(dir, name);
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', tmp, src], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new LiveSetupError(`memcg-sim live builds its native helper (${SOURCE}) with a C compiler, and "${cc}" was not found: install gcc or clang (or set CC)`);
  }
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new LiveSetupError(`building the native helper with "${cc}" failed:\n${(r.stderr || r.stdout || String(r.error)).trim()}`);
  }
  renameSync(tmp, out);
  return out;
}

/** A worker op: worker -1 is the supervisor itself (w: sleep, c: drain a CPU's lru_add batches). */
export type HelperOp = { worker: number; op: string; cpu: number; a: number; b: number; watch: number };
/** One op's result: the op's return value, 'dead' or 'timeout'; the watched usage in bytes before and after (-1: none). */
export type HelperResult = { res: number | 'dead' | 'timeout'; pre: number; post: number };
export type Death = { worker: number; signal: number; at: number };

/** The supervisor process and its line protocol. */
export class Helper {
  private readonly lines: string[] = [];
  private waiting: (() => void) | null = null;
  private buf = '';
  private closed = false;
  private constructor(private readonly proc: ChildProcessByStdio<Writable, Readable, null>) {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      this.waiting?.();
    });
    proc.on('exit', () => {
      this.closed = true;
      this.waiting?.();
    });
    proc.stdin.on('error', () => undefined);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  static async start(bin: string): Promise<Helper> {
    const h = new Helper(spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const hello = await h.line();
    if (!hello.startsWith('memcg-live-helper ')) throw new LiveSetupError(`the native helper ${bin} did not start (said "${hello}")`);
    return h;
  }

  private async line(): Promise<string> {
    while (this.lines.length === 0) {
      if (this.closed) throw new LiveSetupError('the native helper exited unexpectedly');
      await new Promise<void>((r) => (this.waiting = r));
      this.waiting = null;
    }
    return this.lines.shift()!;
  }

  /** Send a request; the reply lines up to "ok" (or "ok ARG" for one-line replies), "err …" throws. */
  async request(text: string, oneLine = false): Promise<string[]> {
    this.proc.stdin.write(text.endsWith('\n') ? text : `${text}\n`);
    const out: string[] = [];
    for (;;) {
      const l = await this.line();
      if (l.startsWith('err ')) throw new LiveSetupError(`native helper: ${l.slice(4)}`);
      if (l === 'ok' || (oneLine && l.startsWith('ok'))) {
        out.push(l);
        return out;
      }
      out.push(l);
    }
  }

  /** Fork and prepare worker id; its pid. */
  async worker(id: number, w: { anonPages: number; thpSlots: number; filePages: number; shmemPages: number; cpus: number[]; dataDir: string; shmDir: string }): Promise<number> {
    const [l] = await this.request(`W ${id} ${w.anonPages} ${w.thpSlots} ${w.filePages} ${w.shmemPages} ${w.cpus.join(',')} ${w.dataDir} ${w.shmDir}`, true);
    return Number(l.split(' ')[1]);
  }

  async watch(k: number, path: string): Promise<void> {
    await this.request(`U ${k} ${path}`);
  }

  async timeout(ms: number): Promise<void> {
    await this.request(`T ${ms}`);
  }

  /** Run ops in order. */
  async batch(ops: HelperOp[]): Promise<{ results: HelperResult[]; deaths: Death[] }> {
    const results: HelperResult[] = [];
    const deaths: Death[] = [];
    for (let at = 0; at < ops.length; at += 20000) {
      const part = ops.slice(at, at + 20000);
      const text = `B ${part.length}\n${part.map((o) => `${o.worker} ${o.op} ${o.cpu} ${o.a} ${o.b} ${o.watch}`).join('\n')}\n`;
      const lines = await this.request(text);
      for (const l of lines.slice(0, -1)) {
        const f = l.split(' ');
        if (f[0] === 'died') deaths.push({ worker: Number(f[1]), signal: Number(f[2]), at: Number(f[3]) < 0 ? -1 : at + Number(f[3]) });
        else results.push({ res: f[0] === 'dead' || f[0] === 'timeout' ? f[0] : Number(f[0]), pre: Number(f[1]), post: Number(f[2]) });
      }
    }
    return { results, deaths };
  }

  /** Write an interface file from a CPU; 'ok' or the errno's name. */
  async write(cpu: number, path: string, value: string): Promise<string> {
    if (/[\n\s]/.test(path) || value.includes('\n')) throw new LiveSetupError(`cannot write ${JSON.stringify(value)} to ${path} through the helper`);
    const [l] = await this.request(`X ${cpu} ${path} ${value}`, true);
    const r = Number(l.split(' ')[1]);
    return r === 0 ? 'ok' : ERRNO_NAMES.get(-r) ?? `errno ${-r}`;
  }

  /** mkdir (M) or rmdir (R) from a CPU; 'ok' or the errno's name. */
  async dir(op: 'M' | 'R', cpu: number, path: string): Promise<string> {
    if (/\s/.test(path)) throw new LiveSetupError(`cannot make ${path} through the helper (a space in the path)`);
    const [l] = await this.request(`${op} ${cpu} ${path}`, true);
    const r = Number(l.split(' ')[1]);
    return r === 0 ? 'ok' : ERRNO_NAMES.get(-r) ?? `errno ${-r}`;
  }

  async kill(id: number): Promise<void> {
    await this.request(`K ${id}`);
  }

  /** Kill every worker and end the supervisor. */
  async quit(): Promise<void> {
    if (this.closed) return;
    try {
      await this.request('Q');
    } catch {
      // already gone
    }
    this.proc.kill('SIGKILL');
  }
}
