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

/** A fresh core instance (one per system) of a compiled core module. */
export function instantiate(module: WebAssembly.Module): Core {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const m = memory!;
        throw new CoreAbort(`${liftString(m, file)}:${line}:${col}`, liftString(m, msg) || 'abort');
      },
    },
  };
  const instance = new WebAssembly.Instance(module, imports);
  const core = instance.exports as unknown as Core;
  memory = core.memory;
  return core;
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
