// The published JSON Schema of scenario files is generated from the zod definition that
// validates them (src/scenario/schema.ts): the committed file must be current, and a
// scenario may name it with "$schema".
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { scenarioJsonSchema, STEP_NAMES } from '../src/scenario/schema.js';
import { parseScenario } from '../src/scenario/scenario.js';
import { EXAMPLES } from '../src/scenario/examples.js';

const committed = JSON.parse(readFileSync(new URL('../schema/scenario.schema.json', import.meta.url), 'utf8'));

describe('schema/scenario.schema.json', () => {
  test('is what `npm run schema` writes from the zod definition', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });

  test('describes every top-level key and every step, and refuses other keys', () => {
    expect(committed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(committed.properties)).toEqual(['$schema', 'name', 'description', 'system', 'cgroups', 'tasks', 'workload', 'expect', 'sample', 'variants', 'summary']);
    expect(committed.additionalProperties).toBe(false);
    const steps = committed.properties.workload.items.properties.steps.items.anyOf as { required: string[] }[];
    expect(steps.map((s) => s.required[0])).toEqual(STEP_NAMES);
    expect(committed.properties.system.properties.profile.enum).toContain('multi');
  });

  test('"$schema" is accepted in a scenario and ignored', () => {
    const sc = parseScenario({ $schema: './node_modules/memcg-sim/schema/scenario.schema.json', cgroups: { a: {} } });
    expect(sc.paths).toEqual(['', 'a']);
  });

  test.each(EXAMPLES.map((e) => [e.name, e]))('example %s is valid', (_, e) => {
    expect(() => parseScenario(e.scenario)).not.toThrow();
  });
});

describe('schema/sweep.schema.json', () => {
  const sweep = JSON.parse(readFileSync(new URL('../schema/sweep.schema.json', import.meta.url), 'utf8'));

  test('is what `npm run schema` writes from the zod definition, its base described by the scenario schema', async () => {
    const { sweepJsonSchema } = await import('../src/sweep/schema.js');
    expect(sweep).toEqual(JSON.parse(JSON.stringify(sweepJsonSchema())));
    expect(Object.keys(sweep.properties)).toEqual(['$schema', 'name', 'description', 'base', 'axes', 'points', 'exclude', 'metrics', 'seed']);
    expect(sweep.additionalProperties).toBe(false);
    const base = sweep.properties.base.anyOf as { properties?: Record<string, unknown> }[];
    expect(Object.keys(base[2].properties ?? {})).toEqual(Object.keys(committed.properties));
  });

  test('a sweep file: "$schema" accepted; duplicate keys and a bad key reported with their paths', async () => {
    const { loadSweep, parseSweep } = await import('../src/sweep/sweep.js');
    const { issuesOf, tmp } = await import('./helpers/scenario.js');
    const { writeFileSync } = await import('node:fs');
    expect(parseSweep({ $schema: './node_modules/memcg-sim/schema/sweep.schema.json', base: { example: 'quickstart' } }).points).toHaveLength(1);
    const f = tmp('dup.json');
    writeFileSync(f, '{ "base": { "example": "quickstart" }, "axes": { "seed": [1, 2] }, "axes": { "seed": [3] }, "metrics": [1] }');
    expect(await issuesOf(() => loadSweep(f))).toEqual([
      'axes: duplicate key "axes": JSON.parse keeps only the last value; give each key once',
      'metrics[0]: expected a string, got 1',
    ]);
    expect(await issuesOf(() => parseSweep({ base: 5 }))).toEqual(['base: expected a scenario object, a scenario file name or { "example": NAME }']);
    expect(await issuesOf(() => parseSweep({ base: { example: 'quickstart' }, axes: { seed: [] } }))).toEqual(['axes.seed: an axis needs at least one value']);
    expect(await issuesOf(() => parseSweep({ base: { example: 'quickstart' }, axes: { a: Array(1001).fill(1), b: Array(1001).fill(1) } })))
      .toEqual(['axes: 1002001 points: more than a sweep\'s 1000000']);
  });
});
