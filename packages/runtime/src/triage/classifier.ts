/**
 * The contract between the `classify` node and the exception classifier that serves it.
 *
 * A `classify` step hands the classifier the exception's text and structured features; the
 * classifier answers with a category of the exception taxonomy, a calibrated confidence and the
 * features that drove the answer. The flow routes on the confidence against its own threshold.
 * @module
 */

/** One exception to classify. */
export interface TriageInput {
  /** Free text: the exception's description, notes, the partner's message. */
  text: string;
  /** Structured features (customer, warehouse, amounts, variance percentages, flags). */
  features: Readonly<Record<string, string | number | boolean | null>>;
}

/** A feature and how much it pushed the answer towards the chosen category. */
export interface TriageDriver {
  feature: string;
  weight: number;
}

/** What the classifier recommends. */
export interface TriageResult {
  /** A category id of the exception taxonomy in `@waybill/shared`. */
  category: string;
  /** Calibrated probability of `category`, 0..1. */
  confidence: number;
  /** The strongest drivers of the answer, strongest first. */
  drivers: readonly TriageDriver[];
  /** Which trained model answered (for the audit log). */
  modelVersion: string;
}

/** A trained classifier; pure and synchronous once loaded. */
export interface Classifier {
  readonly modelVersion: string;
  classify(input: TriageInput): TriageResult;
}
