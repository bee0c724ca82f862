// The sweep document's structure, defined once with zod: it checks every sweep file (with the
// messages of scenario/validate.ts) and is the source of the published JSON Schema
// (schema/sweep.schema.json, `npm run schema`). What depends on the base — a key that cannot
// be set, a value the scenario refuses, a metric the run does not have — is checked for every
// point after it, in sweep.ts.

import * as z from 'zod';
import { SCENARIO_SCHEMA } from '../scenario/schema.js';

/** A failed union's own message (a missing value stays "missing"). */
const unionError = (message: string) => (iss: { input?: unknown }) => (iss.input === undefined ? undefined : message);

/** Coordinates: --set keys (scenario/set.ts) or "variant", each with its value. */
const coords = z.record(z.string(), z.unknown()).meta({ description: '{ "<key>": value, … }: a --set key (system.seed, cgroups.db.memory.max, …) or "variant"' });

/** The sweep document; base is a scenario object (the JSON Schema describes it with the scenario's). */
function sweepSchema<S extends z.ZodType>(scenario: S) {
  return z.strictObject({
    $schema: z.string().meta({ description: 'the JSON Schema of this file (ignored when run)' }).optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    base: z.union([
      z.string().meta({ description: 'a scenario file, relative to the sweep file' }),
      z.strictObject({ example: z.string().meta({ description: 'a built-in example (memcg-sim examples)' }) }),
      scenario,
    ], { error: unionError('expected a scenario object, a scenario file name or { "example": NAME }') }),
    axes: z.record(z.string(), z.array(z.unknown()).min(1, { error: 'an axis needs at least one value' }))
      .meta({ description: '{ "<key>": [values…], … }: the cartesian product, first key slowest' }).optional(),
    points: z.array(coords).meta({ description: 'explicit points, after the product' }).optional(),
    exclude: z.array(coords).meta({ description: 'drop the points that match one (all its keys)' }).optional(),
    metrics: z.array(z.string()).meta({ description: 'what each point reports (default: every value of its run)' }).optional(),
    seed: z.int().min(0).meta({ description: 'the sweep seed (default: the base\'s system.seed)' }).optional(),
  });
}

/** What parseSweep checks: the base is any object here (each point's scenario is checked whole). */
export const SWEEP_SCHEMA = sweepSchema(z.record(z.string(), z.unknown()));
export type SweepDoc = z.output<typeof SWEEP_SCHEMA>;

/** The published JSON Schema (draft 2020-12) of sweep files. */
export function sweepJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(sweepSchema(SCENARIO_SCHEMA), { io: 'input', unrepresentable: 'any' }),
    title: 'memcg-sim sweep',
  };
}
