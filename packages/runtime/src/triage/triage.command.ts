/**
 * `waybill triage train|evaluate|generate`: trains the exception classifier on the database's
 * labelled examples (or a JSONL file), evaluates it on a held-out split, stores it as the next
 * active version, and prints accuracy, per-category precision/recall/F1, the confusion matrix
 * and calibration.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exceptionCategories } from '@waybill/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { evaluateClassifier, formatEvaluation, type TriageEvaluation } from './evaluate.ts';
import { generateTriageExamples } from './generate.ts';
import { isHeldOut, trainClassifier, type LabelledExample } from './model.ts';
import {
  collectResolvedExceptions,
  importTriageExamples,
  listTriageModels,
  loadModel,
  loadTriageExamples,
  saveTriageModel,
} from './store.ts';
import { TriageError } from './triage.error.ts';

export const triageUsage = `Usage: waybill triage <command>

  train [--file examples.jsonl] [--generate N] [--holdout 0.2] [--epochs 12] [--seed 1]
        [--split example|group] [--import] [--no-activate] [--json]
      train on the database's labelled examples (resolved exceptions and people's decisions),
      or on a JSONL file / N generated examples; evaluate on the held-out share; store the
      model as the next version and make it active. --import also adds the file's or the
      generated examples to the database. --split group holds out whole groups (the
      examples' "group", e.g. one phrasing), to measure what the model never saw.
  evaluate [--file examples.jsonl] [--model triage-N] [--json]
      evaluate the active (or named) model on its held-out examples and on everything
      labelled since it was trained, or on a JSONL file
  generate --count N [--seed S]
      print N realistic labelled exceptions as JSONL ({"text","features","category"})
  models
      list the stored model versions`;

/** Where the command writes and which database it uses. */
export interface TriageCommandIo {
  out(line: string): void;
  /** Progress and diagnostics (stderr). */
  err(line: string): void;
  /** Opens the database (migrated); closed by the caller. */
  db(): Promise<Kysely<Database>>;
  actor?: string;
}

/** Reads labelled examples from JSONL: one `{ "text", "features"?, "category", "id"? }` per line. */
export function readExamplesFile(file: string): LabelledExample[] {
  const text = readFileSync(file, 'utf8');
  const examples: LabelledExample[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new TriageError('EXAMPLE_INVALID', `${where}: not JSON (${String(error)})`, {
        line: index + 1,
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new TriageError('EXAMPLE_INVALID', `${where}: expected an object`, { line: index + 1 });
    const record = parsed as Record<string, unknown>;
    const { text: body, category, features, id, group } = record;
    if (typeof body !== 'string')
      throw new TriageError('EXAMPLE_INVALID', `${where}: "text" must be a string`, {
        line: index + 1,
        field: 'text',
      });
    if (typeof category !== 'string' || category === '')
      throw new TriageError('EXAMPLE_INVALID', `${where}: "category" must be a non-empty string`, {
        line: index + 1,
        field: 'category',
      });
    const clean: Record<string, string | number | boolean | null> = {};
    if (features !== undefined) {
      if (typeof features !== 'object' || features === null || Array.isArray(features))
        throw new TriageError('EXAMPLE_INVALID', `${where}: "features" must be an object`, {
          line: index + 1,
          field: 'features',
        });
      for (const [key, value] of Object.entries(features as Record<string, unknown>)) {
        if (
          value === null ||
          typeof value === 'string' ||
          typeof value === 'number' ||
          typeof value === 'boolean'
        ) {
          clean[key] = value;
        } else {
          throw new TriageError(
            'EXAMPLE_INVALID',
            `${where}: feature "${key}" must be a string, number, boolean or null`,
            { line: index + 1, field: `features.${key}` },
          );
        }
      }
    }
    examples.push({
      text: body,
      features: clean,
      category,
      id: typeof id === 'string' ? id : `${file}#${index + 1}`,
      ...(typeof group === 'string' ? { group } : {}),
    });
  });
  return examples;
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new TriageError('USAGE', `--${name} ${value}: expected a non-negative number`);
  return parsed;
}

function summary(label: string, evaluation: TriageEvaluation): string {
  return `${label}: accuracy ${(evaluation.accuracy * 100).toFixed(1)}%, macro-F1 ${evaluation.macroF1.toFixed(3)}, ECE ${evaluation.ece.toFixed(3)} on ${evaluation.examples} held-out examples`;
}

async function train(args: string[], io: TriageCommandIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string' },
      generate: { type: 'string' },
      holdout: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      split: { type: 'string', default: 'example' },
      import: { type: 'boolean', default: false },
      'no-activate': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const holdout = numberOption(values.holdout, 'holdout', 0.2);
  const seed = numberOption(values.seed, 'seed', 1);
  const db = await io.db();
  let examples: LabelledExample[];
  if (values.file !== undefined || values.generate !== undefined) {
    examples =
      values.file !== undefined
        ? readExamplesFile(values.file)
        : generateTriageExamples({ count: numberOption(values.generate, 'generate', 0), seed });
    io.err(`read ${examples.length} labelled examples`);
    if (values.import) {
      const added = await importTriageExamples(db, examples, { decidedBy: io.actor ?? 'cli' });
      io.err(`imported ${added} new examples into the database`);
    }
  } else {
    const collected = await collectResolvedExceptions(db);
    if (collected > 0) io.err(`took in ${collected} resolved exceptions as examples`);
    examples = await loadTriageExamples(db);
    io.err(`loaded ${examples.length} labelled examples from the database`);
  }
  if (values.split !== 'example' && values.split !== 'group')
    throw new TriageError('USAGE', `--split ${values.split}: expected example or group`);
  const byGroup = values.split === 'group';
  const keyOf = (e: LabelledExample, i: number) =>
    (byGroup ? e.group : undefined) ?? e.id ?? String(i);
  const testSet = examples.filter((e, i) => isHeldOut(keyOf(e, i), holdout));
  const trainSet = examples.filter((e, i) => !isHeldOut(keyOf(e, i), holdout));
  io.err(`training on ${trainSet.length}, holding out ${testSet.length} for evaluation`);
  const started = Date.now();
  const trained = trainClassifier(trainSet, {
    epochs: numberOption(values.epochs, 'epochs', 12),
    seed,
    categoryOrder: exceptionCategories,
    onProgress: (p) =>
      io.err(
        `  epoch ${String(p.epoch).padStart(2)}/${p.epochs}  loss ${p.loss.toFixed(4)}  training accuracy ${(p.accuracy * 100).toFixed(1)}%`,
      ),
  });
  io.err(
    `trained in ${((Date.now() - started) / 1000).toFixed(1)} s; temperature ${trained.classifier.temperature} fitted on ${trained.calibratedOn} examples`,
  );
  const evaluation = testSet.length > 0 ? evaluateClassifier(trained.classifier, testSet) : null;
  // `evaluate` holds out the same share later.
  trained.data.heldOut = holdout;
  const stored = await saveTriageModel(db, trained, {
    trainedBy: io.actor ?? 'cli',
    evaluation,
    activate: !values['no-activate'],
  });
  if (values.json) {
    io.out(JSON.stringify({ model: stored.modelVersion, active: stored.active, evaluation }));
    return;
  }
  if (evaluation) io.out(formatEvaluation(evaluation));
  io.out('');
  io.out(
    `${stored.modelVersion} stored${stored.active ? ' and active' : ' (not active)'}` +
      (evaluation ? `; ${summary('held out', evaluation)}` : '; no examples held out'),
  );
}

async function evaluate(args: string[], io: TriageCommandIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string' },
      model: { type: 'string' },
      holdout: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const db = await io.db();
  const model = await loadModel(db, values.model);
  if (!model)
    throw new TriageError(
      'MODEL_NOT_FOUND',
      values.model
        ? `no model ${values.model} (see \`waybill triage models\`)`
        : 'no model is trained yet: run `waybill triage train`',
    );
  let examples: LabelledExample[];
  if (values.file !== undefined) {
    examples = readExamplesFile(values.file);
    io.err(`evaluating ${model.modelVersion} on ${examples.length} examples from ${values.file}`);
  } else {
    // The share held out when the model was trained, unless told otherwise: a larger one would
    // evaluate on examples the model learnt from.
    const holdout = numberOption(values.holdout, 'holdout', model.heldOut ?? 0.2);
    const stored = (await listTriageModels(db)).find((m) => m.modelVersion === model.modelVersion);
    const all = await loadTriageExamples(db);
    // Held-out examples were never trained on; examples labelled later were not either.
    examples = all.filter(
      (e) => isHeldOut(e.id, holdout) || (stored !== undefined && e.createdAt > stored.createdAt),
    );
    io.err(
      `evaluating ${model.modelVersion} on ${examples.length} examples it was not trained on (held out, or labelled since)`,
    );
  }
  const evaluation = evaluateClassifier(model, examples);
  if (values.json) {
    io.out(JSON.stringify({ model: model.modelVersion, evaluation }));
    return;
  }
  io.out(formatEvaluation(evaluation));
  io.out('');
  io.out(summary(model.modelVersion, evaluation));
}

async function models(io: TriageCommandIo): Promise<void> {
  const list = await listTriageModels(await io.db());
  if (list.length === 0) io.out('No models yet: run `waybill triage train`.');
  for (const m of list) {
    const figures = m.evaluation
      ? `accuracy ${(m.evaluation.accuracy * 100).toFixed(1)}%  ECE ${m.evaluation.ece.toFixed(3)}`
      : 'not evaluated';
    io.out(
      `${m.modelVersion.padEnd(10)} ${m.active ? 'active' : '      '}  trained on ${String(m.trainedOn).padStart(6)}  ${figures}  by ${m.trainedBy}  ${m.createdAt.toISOString()}`,
    );
  }
}

/**
 * Runs `waybill triage <args>`.
 *
 * ```ts
 * await runTriageCommand(['train', '--generate', '5000'], { out: console.log, err: console.error, db: async () => db });
 * ```
 */
export async function runTriageCommand(args: string[], io: TriageCommandIo): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'train':
      return train(rest, io);
    case 'evaluate':
      return evaluate(rest, io);
    case 'models':
      return models(io);
    case 'generate': {
      const { values } = parseArgs({
        args: rest,
        options: { count: { type: 'string' }, seed: { type: 'string' } },
      });
      const count = numberOption(values.count, 'count', 1000);
      for (const e of generateTriageExamples({ count, seed: numberOption(values.seed, 'seed', 7) }))
        io.out(JSON.stringify(e));
      return;
    }
    case undefined:
    default:
      throw new TriageError('USAGE', `Unknown triage command ${sub ?? ''}.\n\n${triageUsage}`);
  }
}
