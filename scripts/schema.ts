// Writes schema/scenario.schema.json and schema/sweep.schema.json from the zod definitions
// (src/scenario/schema.ts, src/sweep/schema.ts): `npm run schema`. test/schema.test.ts fails
// when a committed file is not current.
import { writeFileSync } from 'node:fs';
import { scenarioJsonSchema } from '../src/scenario/schema.js';
import { sweepJsonSchema } from '../src/sweep/schema.js';

writeFileSync(new URL('../schema/scenario.schema.json', import.meta.url), `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
writeFileSync(new URL('../schema/sweep.schema.json', import.meta.url), `${JSON.stringify(sweepJsonSchema(), null, 2)}\n`);
