/**
 * Money in the canonical model.
 *
 * **The choice:** amounts are JSON numbers in major units (`24.5` dollars), limited to at most four
 * fractional digits, with the ISO 4217 currency carried by the document (`order.currency`) or next
 * to the amount (`{ amount, currency }`). Numbers rather than decimal strings because event payloads
 * feed flow expressions (CEL compares numbers, `pricing.variancePct <= 2`), the designer's forms and
 * JSON APIs, which all speak numbers. A binary double holds every value with four decimals up to
 * about 9 × 10^11 exactly enough to round-trip, but sums of doubles drift (`0.1 + 0.2`), so
 * **arithmetic goes through the helpers below**, which compute in integer ten-thousandths and
 * round once, half away from zero, to the currency's minor unit.
 *
 * @module
 */
import { z } from 'zod';

/** Ten-thousandths: the finest unit an amount may carry (unit prices often have 3–4 decimals). */
const scale = 10_000;
/** Largest amount whose ten-thousandths stay a safe integer. */
const maxAmount = Math.floor(Number.MAX_SAFE_INTEGER / scale);

/** True when `value` has at most four fractional digits (tolerating binary representation noise). */
function hasAtMostFourDecimals(value: number): boolean {
  const scaled = value * scale;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/**
 * An ISO 4217 currency code: three upper-case letters.
 *
 * ```ts
 * currencyCodeSchema.parse('USD'); // 'USD'
 * ```
 */
export const currencyCodeSchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code like USD')
  .meta({ label: 'Currency' });

/**
 * A money amount in major units (may be negative, e.g. an adjustment): finite, at most four
 * decimals, within the safe range.
 *
 * ```ts
 * amountSchema.parse(24.5);    // 24.5
 * amountSchema.parse(0.12345); // throws: more than 4 decimals
 * ```
 */
export const amountSchema = z
  .number()
  .min(-maxAmount)
  .max(maxAmount)
  .refine(hasAtMostFourDecimals, 'must have at most 4 decimal places');

/**
 * A non-negative money amount (prices, totals, charges).
 *
 * ```ts
 * nonNegativeAmountSchema.parse(0); // 0
 * ```
 */
export const nonNegativeAmountSchema = amountSchema.refine((v) => v >= 0, 'must not be negative');

/**
 * An amount with its currency, for values that travel alone (a freight charge, a deduction).
 *
 * ```ts
 * const fee: Money = moneySchema.parse({ amount: 85, currency: 'USD' });
 * ```
 */
export const moneySchema = z.object({ amount: amountSchema, currency: currencyCodeSchema });
/**
 * `{ amount: number; currency: string }`
 *
 * ```ts
 * const freight: Money = { amount: 120.75, currency: 'USD' };
 * ```
 */
export type Money = z.infer<typeof moneySchema>;

/**
 * A quantity of goods: non-negative, at most four decimals (weights and lengths are fractional).
 *
 * ```ts
 * quantitySchema.parse(36); // 36
 * ```
 */
export const quantitySchema = z
  .number()
  .min(0)
  .max(maxAmount)
  .refine(hasAtMostFourDecimals, 'must have at most 4 decimal places');

// Currencies whose minor unit is not the cent (ISO 4217); everything else rounds to 2 decimals.
const minorDigits: Readonly<Record<string, number>> = {
  JPY: 0,
  KRW: 0,
  CLP: 0,
  ISK: 0,
  VND: 0,
  BHD: 3,
  KWD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
};

/**
 * How many decimals a currency's minor unit has (2 unless ISO 4217 says otherwise).
 *
 * ```ts
 * minorUnitDigits('USD'); // 2
 * minorUnitDigits('JPY'); // 0
 * ```
 */
export function minorUnitDigits(currency: string): number {
  return minorDigits[currency] ?? 2;
}

/**
 * An amount as an integer count of ten-thousandths: exact, so sums do not drift.
 *
 * ```ts
 * toScaled(0.1) + toScaled(0.2) === toScaled(0.3); // true
 * ```
 */
export function toScaled(amount: number): number {
  return Math.round(amount * scale);
}

/**
 * Rounds an amount to the currency's minor unit, half away from zero.
 *
 * ```ts
 * roundMoney(10.005, 'USD'); // 10.01
 * ```
 */
export function roundMoney(amount: number, currency: string): number {
  const step = scale / 10 ** minorUnitDigits(currency);
  const scaled = toScaled(amount);
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled) / step) * step;
  return rounded / scale + 0; // `+ 0` turns -0 into 0
}

/**
 * Adds amounts exactly, then rounds to the currency's minor unit.
 *
 * ```ts
 * sumMoney([0.1, 0.2], 'USD'); // 0.3 (not 0.30000000000000004)
 * ```
 */
export function sumMoney(amounts: readonly number[], currency: string): number {
  return roundMoney(amounts.reduce((total, a) => total + toScaled(a), 0) / scale, currency);
}

/**
 * `quantity × unitPrice`, rounded to the currency's minor unit (an invoice line's extended amount).
 *
 * ```ts
 * lineAmount(36, 3.2, 'USD'); // 115.2
 * ```
 */
export function lineAmount(quantity: number, unitPrice: number, currency: string): number {
  // Both factors have at most 4 decimals, so their product is an exact integer of 10^-8 units;
  // BigInt keeps it exact even past 2^53, and it is rounded once.
  const product = BigInt(toScaled(quantity)) * BigInt(toScaled(unitPrice));
  const step = 10n ** BigInt(8 - minorUnitDigits(currency));
  const magnitude = product < 0n ? -product : product;
  const rounded = ((magnitude + step / 2n) / step) * (product < 0n ? -1n : 1n);
  return Number(rounded) / 10 ** minorUnitDigits(currency) + 0;
}
