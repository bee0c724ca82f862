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
