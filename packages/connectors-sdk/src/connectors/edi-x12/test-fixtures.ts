/**
 * Test helpers: the sample interchanges under `fixtures/`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { X12TransactionSet } from './x12-parser.ts';
import { parseX12OrThrow, transactionSetsOf } from './x12-parser.ts';

/**
 * The text of a fixture file, e.g. `fixture('850-purchase-order.edi')`.
 *
 * ```ts
 * const text = fixture('856-ship-notice.edi');
 * ```
 */
export function fixture(name: string): string {
  return readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
}

/**
 * The first transaction set of a valid fixture.
 *
 * ```ts
 * const set = fixtureSet('810-invoice.edi');
 * ```
 */
export function fixtureSet(name: string): X12TransactionSet {
  const [set] = transactionSetsOf(parseX12OrThrow(fixture(name)));
  if (set === undefined) throw new Error(`${name} has no transaction set`);
  return set;
}
