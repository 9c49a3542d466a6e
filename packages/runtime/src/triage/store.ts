/**
 * Triage models and labelled examples in the database: people's decisions become examples,
 * resolved exceptions are taken in as examples, trained models are stored as numbered
 * versions with the evaluation made when they were trained, and one of them is active.
 * @module
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import type { Classifier, TriageInput, TriageResult } from './classifier.ts';
import type { TriageEvaluation } from './evaluate.ts';
import { TriageModel, type LabelledExample, type TrainedModel } from './model.ts';
import type { TriageExampleSource } from './triage.tables.ts';

type Db = Kysely<Database> | Transaction<Database>;
type FeatureValue = string | number | boolean | null;

/** A person's decision about an exception the classifier was not sure enough of. */
export interface TriageLabel extends TriageInput {
  /** The category the person chose. */
  category: string;
  decidedBy: string;
  /** What the decision records (e.g. `task:<id>`); recording the same ref again does nothing. */
  sourceRef?: string;
  instanceId?: string;
  /** What the classifier had recommended, for the record. */
  predicted?: Pick<TriageResult, 'category' | 'confidence' | 'modelVersion'> | null;
  /** Default `review`; `import` for sets loaded from files. */
  source?: Exclude<TriageExampleSource, 'exception'>;
}

/**
 * Keeps a person's decision as a training example (the next `triage train` learns from it).
 *
 * ```ts
 * await recordTriageLabel(trx, {
 *   text: 'Carrier says delivered, customer says not', features: { carrier: 'ODFL' },
 *   category: 'missingPod', decidedBy: 'lee.logistics', sourceRef: `task:${task.id}`,
 *   predicted: { category: 'customerDispute', confidence: 0.52, modelVersion: 'triage-3' },
 * });
 * ```
 */
export async function recordTriageLabel(
  db: Db,
  label: TriageLabel,
): Promise<{ id: string | null; recorded: boolean }> {
  const row = await db
    .insertInto('triage_examples')
    .values({
      text: label.text,
      features: jsonb(label.features),
      category: label.category,
      source: label.source ?? 'review',
      source_ref: label.sourceRef ?? null,
      decided_by: label.decidedBy,
      instance_id: label.instanceId ?? null,
      predicted_category: label.predicted?.category ?? null,
      predicted_confidence: label.predicted?.confidence ?? null,
      model_version: label.predicted?.modelVersion ?? null,
    })
    .onConflict((oc) => oc.column('source_ref').doNothing())
    .returning('id')
    .executeTakeFirst();
  return { id: row?.id ?? null, recorded: row !== undefined };
}

/** Adds labelled examples in bulk (imports); rows whose `sourceRef` is known are skipped. */
export async function importTriageExamples(
  db: Kysely<Database>,
  examples: readonly LabelledExample[],
  options: { decidedBy: string; batchSize?: number },
): Promise<number> {
  let added = 0;
  const size = options.batchSize ?? 500;
  for (let i = 0; i < examples.length; i += size) {
    const rows = examples.slice(i, i + size).map((e) => ({
      text: e.text,
      features: jsonb(e.features),
      category: e.category,
      source: 'import' as const,
      source_ref: e.id === undefined ? null : `import:${e.id}`,
      decided_by: options.decidedBy,
    }));
    const inserted = await db
      .insertInto('triage_examples')
      .values(rows)
      .onConflict((oc) => oc.column('source_ref').doNothing())
      .returning('id')
      .execute();
    added += inserted.length;
  }
  return added;
}

/** The text of an exception's details: what a person would read first. */
function exceptionText(details: unknown): { text: string; features: Record<string, FeatureValue> } {
  const features: Record<string, FeatureValue> = {};
  const texts: string[] = [];
  if (details && typeof details === 'object' && !Array.isArray(details)) {
    for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
      if (
        typeof value === 'string' &&
        (value.includes(' ') || /text|message|note|reason|description/i.test(key))
      ) {
        texts.push(value);
      } else if (
        typeof value === 'string' ||
        typeof value === 'number' ||
        typeof value === 'boolean' ||
        value === null
      ) {
        features[key] = value;
      }
    }
  } else if (typeof details === 'string') {
    texts.push(details);
  }
  return { text: texts.join(' — '), features };
}

/**
 * Takes every resolved exception that is not an example yet in as one: its category is how
 * it was filed and resolved; its text and features come from its details. Returns how many.
 */
export async function collectResolvedExceptions(db: Kysely<Database>): Promise<number> {
  const rows = await db
    .selectFrom('exceptions')
    .leftJoin('triage_examples', (join) =>
      join.on('triage_examples.source_ref', '=', sql<string>`'exception:' || exceptions.id::text`),
    )
    .select([
      'exceptions.id',
      'exceptions.category',
      'exceptions.details',
      'exceptions.instance_id',
    ])
    .where('exceptions.status', '=', 'resolved')
    .where('triage_examples.id', 'is', null)
    .execute();
  let added = 0;
  for (const row of rows) {
    const { text, features } = exceptionText(row.details);
    if (text === '' && Object.keys(features).length === 0) continue;
    const inserted = await db
      .insertInto('triage_examples')
      .values({
        text,
        features: jsonb(features),
        category: row.category,
        source: 'exception',
        source_ref: `exception:${row.id}`,
        instance_id: row.instance_id,
      })
      .onConflict((oc) => oc.column('source_ref').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) added += 1;
  }
  return added;
}

/** Every labelled example in the database, oldest first. */
export async function loadTriageExamples(
  db: Db,
  options: { since?: Date } = {},
): Promise<(LabelledExample & { id: string; createdAt: Date })[]> {
  let query = db
    .selectFrom('triage_examples')
    .select(['id', 'text', 'features', 'category', 'created_at', 'source_ref'])
    .orderBy('created_at')
    .orderBy('id');
  if (options.since) query = query.where('created_at', '>', options.since);
  const rows = await query.execute();
  return rows.map((r) => ({
    // An imported example keeps the id it had in its file, so it is held out (or not) in the
    // database exactly as it was when the file was trained on.
    id: r.source_ref?.startsWith('import:') ? r.source_ref.slice('import:'.length) : r.id,
    text: r.text,
    features: r.features,
    category: r.category,
    createdAt: r.created_at,
  }));
}

/** A stored model version. */
export interface StoredTriageModel {
  version: number;
  modelVersion: string;
  active: boolean;
  categories: string[];
  trainedOn: number;
  calibratedOn: number;
  trainedBy: string;
  createdAt: Date;
  evaluation: TriageEvaluation | null;
}

/**
 * Stores a trained model as the next version (`triage-<n>`); with `activate`, it becomes the
 * model classify steps use, in the same transaction as the previous one stops being active.
 */
export async function saveTriageModel(
  db: Kysely<Database>,
  trained: TrainedModel,
  options: { trainedBy: string; evaluation?: TriageEvaluation | null; activate?: boolean },
): Promise<StoredTriageModel> {
  return db.transaction().execute(async (trx) => {
    // One writer at a time picks the next version number.
    await sql`select pg_advisory_xact_lock(727002)`.execute(trx);
    const last = await trx
      .selectFrom('triage_models')
      .select((eb) => eb.fn.max('version').as('version'))
      .executeTakeFirst();
    const version = (last?.version ?? 0) + 1;
    const modelVersion = `triage-${version}`;
    const activate = options.activate ?? true;
    if (activate) {
      await trx
        .updateTable('triage_models')
        .set({ active: false })
        .where('active', '=', true)
        .execute();
    }
    const row = await trx
      .insertInto('triage_models')
      .values({
        version,
        model_version: modelVersion,
        model: jsonb(trained.data),
        categories: jsonb(trained.data.categories),
        evaluation: options.evaluation ? jsonb(options.evaluation) : null,
        trained_on: trained.trainedOn,
        calibrated_on: trained.calibratedOn,
        trained_by: options.trainedBy,
        active: activate,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toStored(row);
  });
}

function toStored(row: {
  version: number;
  model_version: string;
  active: boolean;
  categories: string[];
  trained_on: number;
  calibrated_on: number;
  trained_by: string;
  created_at: Date;
  evaluation: TriageEvaluation | null;
}): StoredTriageModel {
  return {
    version: row.version,
    modelVersion: row.model_version,
    active: row.active,
    categories: row.categories,
    trainedOn: row.trained_on,
    calibratedOn: row.calibrated_on,
    trainedBy: row.trained_by,
    createdAt: row.created_at,
    evaluation: row.evaluation,
  };
}

/** Every stored model version, newest first (without the weights). */
export async function listTriageModels(db: Db): Promise<StoredTriageModel[]> {
  const rows = await db
    .selectFrom('triage_models')
    .select([
      'version',
      'model_version',
      'active',
      'categories',
      'trained_on',
      'calibrated_on',
      'trained_by',
      'created_at',
      'evaluation',
    ])
    .orderBy('version', 'desc')
    .execute();
  return rows.map(toStored);
}

/** Loaded models by database and version: the weights are read once per version. */
const loaded = new WeakMap<object, Map<string, TriageModel>>();

/**
 * The active triage model as a {@link Classifier}, or `null` when none was trained yet. Cheap
 * to call per classification: only the active version's name is read unless it changed.
 *
 * ```ts
 * const classifier = await loadClassifier(db);
 * const result = classifier?.classify({ text, features }); // { category, confidence, drivers, modelVersion }
 * ```
 */
export async function loadClassifier(db: Kysely<Database>): Promise<Classifier | null> {
  const active = await db
    .selectFrom('triage_models')
    .select(['model_version'])
    .where('active', '=', true)
    .executeTakeFirst();
  if (!active) return null;
  return loadModel(db, active.model_version);
}

/**
 * A stored model by version name (`triage-3`), or the active one; `null` when there is none.
 */
export async function loadModel(
  db: Kysely<Database>,
  modelVersion?: string,
): Promise<TriageModel | null> {
  let cache = loaded.get(db);
  if (!cache) loaded.set(db, (cache = new Map<string, TriageModel>()));
  if (modelVersion !== undefined) {
    const hit = cache.get(modelVersion);
    if (hit) return hit;
  }
  let query = db.selectFrom('triage_models').select(['model_version', 'model']);
  query =
    modelVersion === undefined
      ? query.where('active', '=', true)
      : query.where('model_version', '=', modelVersion);
  const row = await query.executeTakeFirst();
  if (!row) return null;
  const model = TriageModel.fromData(row.model, row.model_version);
  cache.set(row.model_version, model);
  return model;
}
