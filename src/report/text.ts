// Plain-text tables for the CLI and examples.

/** Render rows as an aligned table; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const width = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const right = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(cells[0]), line(width.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** Pages as MiB with one decimal ('max' for an unlimited counter). */
export function mib(pages: number): string {
  return pages >= 2251799813685247 ? 'max' : `${((pages * 4096) / 1048576).toFixed(1)}M`;
}
