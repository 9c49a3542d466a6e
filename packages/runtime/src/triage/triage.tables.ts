/**
 * The triage tables as Kysely sees them (migration `2026112460_triage`), listed in the
 * runtime's `Database` interface.
 * @module
 */
import type { ColumnType, Generated } from 'kysely';
import type { TriageModelData } from './model.ts';
import type { TriageEvaluation } from './evaluate.ts';

type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
/** A jsonb column: read as the parsed value, written as JSON text. */
type Jsonb<T> = ColumnType<T, string, string>;
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** Where a labelled example came from. */
export type TriageExampleSource = 'review' | 'exception' | 'import';

/** Trained models, one row per version; at most one is active. */
export interface TriageModelsTable {
  version: number;
  /** `triage-<version>`: what classify steps record in the audit log. */
  model_version: string;
  model: Jsonb<TriageModelData>;
  categories: Jsonb<string[]>;
  /** The held-out evaluation made when the model was trained. */
  evaluation: ColumnType<TriageEvaluation | null, string | null | undefined, string | null>;
  trained_on: number;
  calibrated_on: number;
  trained_by: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: TimestampDefault;
}

/** Labelled exceptions: what a person decided, or how an exception was resolved. */
export interface TriageExamplesTable {
  id: Generated<string>;
  text: string;
  features: ColumnType<
    Record<string, string | number | boolean | null>,
    string | undefined,
    string
  >;
  category: string;
  source: TriageExampleSource;
  /** What the example records (a task, an exception); recording it again changes nothing. */
  source_ref: Optional<string>;
  decided_by: Optional<string>;
  instance_id: Optional<string>;
  /** What the model had recommended, when it had. */
  predicted_category: Optional<string>;
  predicted_confidence: Optional<number>;
  model_version: Optional<string>;
  created_at: TimestampDefault;
}
