// Writing a run's result while it runs: the JSON of a RunResult exactly as
// JSON.stringify(result, null, 2) prints it, and the CSV of its samples, each sample written
// as it is taken — so a run's memory does not grow with its length. The runner calls these
// through RunOptions.onRunStart / onSample / onRunEnd.

import { csvRow, type RunResult, type RunSummary, type Sample } from './summary.js';
import { sampleHeader } from './summary.js';

const json = (v: unknown, indent: number) => JSON.stringify(v, null, 2).split('\n').join(`\n${' '.repeat(indent)}`);

/** Fields of a value in order, as JSON.stringify writes an object's (undefined ones left out). */
function fields(o: Record<string, unknown>, indent: number): string {
  return Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${' '.repeat(indent)}${JSON.stringify(k)}: ${json(v, indent)}`).join(',\n');
}

export class JsonResultWriter {
  private runs = 0;
  private samples = 0;

  constructor(private readonly write: (s: string) => void) {}

  /** The keys before runs (scenario, description, notes, pageSize). */
  start(head: Pick<RunResult, 'scenario' | 'description' | 'notes' | 'pageSize'>): void {
    this.write(`{\n${fields(head, 2)},\n  "runs": [`);
  }

  runStart(head: Pick<RunSummary, 'variant' | 'system'>): void {
    this.write(`${this.runs++ ? ',' : ''}\n    {\n${fields(head, 6)},\n      "samples": [`);
    this.samples = 0;
  }

  sample(s: Sample): void {
    this.write(`${this.samples++ ? ',' : ''}\n        ${json(s, 8)}`);
  }

  /** The rest of a run (its samples were written already). */
  runEnd(run: RunSummary): void {
    const { variant: _v, system: _s, samples: _x, ...rest } = run;
    this.write(`${this.samples ? '\n      ' : ''}],\n${fields(rest, 6)}\n    }`);
  }

  /** The keys after runs (ok, interrupted). */
  end(res: Pick<RunResult, 'ok' | 'interrupted'>): void {
    this.write(`${this.runs ? '\n  ' : ''}],\n${fields({ ok: res.ok, interrupted: res.interrupted }, 2)}\n}\n`);
  }
}

/** The CSV of the samples (toCsv's), a row per sample as it is taken; the header with the first. */
export class CsvSampleWriter {
  private cols: string[] | null = null;
  rows = 0;

  constructor(private readonly write: (s: string) => void) {}

  sample(variant: string | null, s: Sample): void {
    if (!this.cols) {
      this.cols = Object.keys(s.values);
      this.write(`${csvRow(sampleHeader(this.cols))}\n`);
    }
    this.rows++;
    this.write(`${csvRow([variant ?? '', s.phase, s.ops, s.ms, ...this.cols.map((c) => s.values[c] ?? '')])}\n`);
  }

  /** The header alone when no sample was taken; a last row marks an interrupted run. */
  end(interrupted: boolean): void {
    if (!this.cols) {
      this.cols = [];
      this.write(`${csvRow(sampleHeader([]))}\n`);
    }
    if (interrupted) this.write(`${csvRow(['', '(interrupted)', '', '', ...this.cols.map(() => '')])}\n`);
  }
}
