// Writes schema/scenario.schema.json from the zod definition (src/scenario/schema.ts):
// `npm run schema`. test/schema.test.ts fails when the committed file is not current.
import { writeFileSync } from 'node:fs';
import { scenarioJsonSchema } from '../src/scenario/schema.js';

writeFileSync(new URL('../schema/scenario.schema.json', import.meta.url), `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
