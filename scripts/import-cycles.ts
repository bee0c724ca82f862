// The import graph of assembly/*.ts (each file's `import … from './x'`): its strongly
// connected components of more than one file, and for each a shortest cycle through every
// edge that closes one. `tsx scripts/import-cycles.ts` prints them (exit 1 when there are any);
// test/layout.test.ts asserts there are none.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ASSEMBLY = resolve(dirname(fileURLToPath(import.meta.url)), '../assembly');

/** file (without .ts) → the files it imports, type-only imports included (AssemblyScript has none). */
export function importGraph(dir = ASSEMBLY): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const src = readFileSync(join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const deps = [...src.matchAll(/\b(?:import|export)\b[^;]*?\bfrom\s*['"]\.\/([\w.-]+?)(?:\.ts|\.js)?['"]/g)].map((m) => m[1]);
    g.set(f.replace(/\.ts$/, ''), [...new Set(deps)].sort());
  }
  return g;
}

/** Tarjan's strongly connected components with more than one file (or a file importing itself). */
export function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (g.get(v) ?? []).includes(v)) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** A shortest import path from a to b inside the files of one component (breadth first). */
function path(g: Map<string, string[]>, a: string, b: string, inside: Set<string>): string[] | null {
  const prev = new Map<string, string>([[a, '']]);
  const q = [a];
  while (q.length) {
    const v = q.shift()!;
    if (v === b) {
      const p = [v];
      while (prev.get(p[0])) p.unshift(prev.get(p[0])!);
      return p;
    }
    for (const w of g.get(v) ?? []) if (inside.has(w) && !prev.has(w)) (prev.set(w, v), q.push(w));
  }
  return null;
}

/** For each component: each import edge a → b inside it, with the shortest way back b → … → a. */
export function cycleList(g = importGraph()): string[] {
  const lines: string[] = [];
  for (const c of cycles(g)) {
    const inside = new Set(c);
    lines.push(`component of ${c.length}: ${c.join(' ')}`);
    const seen = new Set<string>();
    for (const a of c) {
      for (const b of g.get(a)!.filter((x) => inside.has(x))) {
        const back = path(g, b, a, inside)!;
        const cyc = [a, ...back];
        const key = [...cyc.slice(0, -1)].sort().join(' ');
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push(`  ${cyc.join(' → ')}`);
      }
    }
  }
  return lines;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const lines = cycleList();
  console.log(lines.length ? lines.join('\n') : 'assembly/: no import cycles');
  process.exitCode = lines.length ? 1 : 0;
}
