/**
 * Small building blocks shared by the canonical documents: identifiers and timestamps.
 *
 * @module
 */
import { z } from 'zod';

/**
 * A business identifier (order number, shipment id, invoice number): non-empty, trimmed text.
 *
 * ```ts
 * identifierSchema.parse('SO-1001'); // 'SO-1001'
 * ```
 */
export const identifierSchema = z.string().trim().min(1).max(100);

/**
 * An ISO-8601 timestamp with a zone (`2026-11-23T14:05:00Z`, `2026-11-23T08:05:00-06:00`).
 *
 * ```ts
 * timestampSchema.parse('2026-11-23T14:05:00Z');
 * ```
 */
export const timestampSchema = z.iso.datetime({ offset: true });

/**
 * A calendar date (`2026-11-23`), for due dates and validity ranges.
 *
 * ```ts
 * dateSchema.parse('2026-12-23');
 * ```
 */
export const dateSchema = z.iso.date();

/**
 * A postal address, as far as billing cares (ship-to, bill-to, remit-to).
 *
 * ```ts
 * const shipTo: Address = { name: 'Acme Dallas DC', line1: '100 Main St', city: 'Dallas', region: 'TX', postalCode: '75201', country: 'US' };
 * ```
 */
export const addressSchema = z.object({
  name: z.string().min(1).optional(),
  line1: z.string().min(1),
  line2: z.string().min(1).optional(),
  city: z.string().min(1),
  region: z.string().min(1).optional(),
  postalCode: z.string().min(1).optional(),
  /** ISO 3166-1 alpha-2. */
  country: z.string().regex(/^[A-Z]{2}$/, 'must be a 2-letter ISO 3166 country code'),
});
/**
 * A postal address.
 *
 * ```ts
 * const billTo: Address = { line1: '1 Finance Way', city: 'Austin', country: 'US' };
 * ```
 */
export type Address = z.infer<typeof addressSchema>;
