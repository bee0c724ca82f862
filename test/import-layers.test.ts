// assembly/'s files import one way, but for the circles assembly/layout.ts's header names with
// their kernel reasons (scripts/import-cycles.ts lists them: `npx tsx scripts/import-cycles.ts`).
import { expect, test } from 'vitest';
import { cycles, importGraph } from '../scripts/import-cycles.js';

test('the import circles of assembly/ are the three layout.ts names, no more', () => {
  const found = cycles(importGraph()).map((c) => c.join(' ')).sort();
  expect(found).toEqual(['charge filemap high objcg pgtable readahead reclaim', 'cost_model page_counter', 'lru_add mlock_batch uncharge']);
});

test('the circle finder sees a circle through an edge that closes it, and only that circle', () => {
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []], ['e', ['a', 'e']]]);
  expect(cycles(g).map((c) => c.join(' ')).sort()).toEqual(['a b c', 'e']);
});
