// Instantiating the core from a compiled module: no Node API, so it runs in a browser and in
// any bundler (src/browser.ts). Loading the .wasm from the package is wasm.ts's (Node).

/** The raw exports of the core (assembly/index.ts); constants are WebAssembly.Global. */
export type Core = {
  memory: WebAssembly.Memory;
  [name: string]: unknown;
};

/** Thrown from the core's abort import; the host turns it into InternalError + poison. */
export class CoreAbort extends Error {
  constructor(readonly where: string, message: string) {
    super(message);
  }
}

/** An AssemblyScript string of the core: UTF-16 code units, byte length stored just before the data. */
export function liftString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const bytes = new Uint32Array(memory.buffer)[(ptr - 4) >>> 2];
  const units = new Uint16Array(memory.buffer, ptr, bytes >>> 1);
  return String.fromCharCode(...units);
}

// Memories of disposed systems, for the next ones. A new WebAssembly.Memory of a default
// system's ~37 MB counts as V8 external memory, and each one made forces a full GC of the JS
// heap; a pooled one, zeroed by the core that used it, serves the next instance instead
// (docs/performance.md). The core imports its memory (asconfig importMemory) and grows it
// only when its tables need more, so a larger memory serves a smaller system.
const pool: WebAssembly.Memory[] = [];
/** At most this many memories wait in the pool, none larger than POOL_MAX_BYTES. */
export const POOL_MAX = 2;
export const POOL_MAX_BYTES = 128 * 1024 * 1024;
const importsMemory = new WeakMap<WebAssembly.Module, boolean>();

/** Whether the module takes its memory as the import env.memory (every build since importMemory). */
function takesMemory(module: WebAssembly.Module): boolean {
  let v = importsMemory.get(module);
  if (v === undefined) {
    v = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory' && i.module === 'env' && i.name === 'memory');
    importsMemory.set(module, v);
  }
  return v;
}

/** A fresh core instance (one per system) of a compiled core module: on a pooled memory if one is free. */
export function instantiate(module: WebAssembly.Module): Core {
  let memory: WebAssembly.Memory | undefined;
  const env: Record<string, WebAssembly.ImportValue> = {
    abort(msg: number, file: number, line: number, col: number): never {
      const m = memory!;
      throw new CoreAbort(`${liftString(m, file)}:${line}:${col}`, liftString(m, msg) || 'abort');
    },
  };
  if (takesMemory(module)) env.memory = pool.pop() ?? new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(module, { env });
  const core = instance.exports as unknown as Core;
  memory = core.memory;
  return core;
}

/**
 * Give an instance's memory back for the next instance, once no call on this one runs again:
 * if the pool has room and the memory is not over POOL_MAX_BYTES (a big system's memory goes
 * to the GC), scrub (the core's memory_scrub) zeroes what the instance wrote and the memory
 * waits in the pool.
 */
export function release(module: WebAssembly.Module, memory: WebAssembly.Memory, scrub: () => void): void {
  if (!takesMemory(module)) return; // an older core's own memory: no other instance takes it
  if (pool.length >= POOL_MAX || memory.buffer.byteLength > POOL_MAX_BYTES) return;
  scrub();
  pool.push(memory);
}

/** @internal How many memories wait in the pool (tests). */
export function pooledMemories(): number {
  return pool.length;
}

/** What the core can be given as: its bytes, a fetch Response (or its promise), or a compiled module. */
export type WasmSource = BufferSource | Response | Promise<Response> | WebAssembly.Module;

/** Compile a core from any WasmSource (streaming when the Response says application/wasm). */
export async function compileCore(src: WasmSource): Promise<WebAssembly.Module> {
  if (src instanceof WebAssembly.Module) return src;
  const r = await src;
  if (typeof Response !== 'undefined' && r instanceof Response) {
    if (r.headers.get('content-type')?.startsWith('application/wasm') && typeof WebAssembly.compileStreaming === 'function') {
      return WebAssembly.compileStreaming(r);
    }
    return WebAssembly.compile(await r.arrayBuffer());
  }
  return WebAssembly.compile(r as BufferSource);
}
