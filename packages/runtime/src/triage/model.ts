/**
 * The triage model: multinomial logistic regression over hashed features (see `features.ts`),
 * trained in-process with AdaGrad and L2, its confidences calibrated by temperature scaling on
 * examples it was not trained on. Small (a few hundred KB), fast (microseconds per answer) and
 * explainable: each answer lists the features that pushed it towards its category.
 * @module
 */
import type { Classifier, TriageDriver, TriageInput, TriageResult } from './classifier.ts';
import { featurize, fnv1a, type ActiveFeature } from './features.ts';
import { TriageError } from './triage.error.ts';

/** An exception whose category a person (or a resolution) settled. */
export interface LabelledExample extends TriageInput {
  category: string;
  /** A stable id (the example's row id); decides which examples are held out for evaluation. */
  id?: string;
  /**
   * Examples that belong together (e.g. one phrasing): with a grouped split a whole group is
   * either trained on or held out, to measure how the model copes with what it never saw.
   */
  group?: string;
}

/** A trained model as stored: plain JSON (weights as base64 of little-endian floats). */
export interface TriageModelData {
  format: 1;
  /** Hash slots per category. */
  dimension: number;
  categories: string[];
  /** Softmax temperature fitted on the calibration split (1 = uncalibrated). */
  temperature: number;
  bias: number[];
  /** Slots with a weight, as base64 of a Uint32Array. */
  slots: string;
  /** `categories.length` weights per slot, in slot order, as base64 of a Float32Array. */
  weights: string;
  /** The share of examples held out of training (see {@link isHeldOut}), when it was recorded. */
  heldOut?: number;
}

export interface TrainOptions {
  /** Passes over the training examples (default 12). */
  epochs?: number;
  /** AdaGrad step size (default 0.5). */
  learningRate?: number;
  /** L2 penalty per update (default 1e-5). */
  l2?: number;
  /** Hash slots (default 2^16). */
  dimension?: number;
  /** Share of the examples kept aside to fit the temperature (default 0.15). */
  calibrationFraction?: number;
  /** Seed of the shuffles, so a training run can be repeated exactly (default 1). */
  seed?: number;
  /** Called after every epoch. */
  onProgress?: (progress: TrainProgress) => void;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** Mean cross-entropy over the epoch's examples. */
  loss: number;
  /** Share of the epoch's examples the model got right before its update. */
  accuracy: number;
}

export interface TrainedModel {
  classifier: TriageModel;
  data: TriageModelData;
  /** How many examples trained the weights, and how many fitted the temperature. */
  trainedOn: number;
  calibratedOn: number;
}

/** A deterministic PRNG (mulberry32), for shuffles that repeat with the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i];
    const b = items[j];
    if (a === undefined || b === undefined) continue;
    items[i] = b;
    items[j] = a;
  }
  return items;
}

/**
 * Whether an example belongs to the evaluation split: decided by a hash of its key, so the same
 * example is held out in every training run and a model is never evaluated on what it learnt.
 *
 * ```ts
 * const test = examples.filter((e, i) => isHeldOut(e.id ?? String(i), 0.2));
 * ```
 */
export function isHeldOut(key: string, fraction: number): boolean {
  return fnv1a(`holdout:${key}`) % 10_000 < fraction * 10_000;
}

/** Splits per category, so both parts have every category in proportion. */
function stratifiedSplit(
  examples: readonly LabelledExample[],
  fraction: number,
  random: () => number,
): { kept: LabelledExample[]; aside: LabelledExample[] } {
  const byCategory = new Map<string, LabelledExample[]>();
  for (const example of examples) {
    const list = byCategory.get(example.category) ?? [];
    list.push(example);
    byCategory.set(example.category, list);
  }
  const kept: LabelledExample[] = [];
  const aside: LabelledExample[] = [];
  for (const list of byCategory.values()) {
    shuffle(list, random);
    const count = list.length >= 4 ? Math.round(list.length * fraction) : 0;
    aside.push(...list.slice(0, count));
    kept.push(...list.slice(count));
  }
  return { kept, aside };
}

function softmax(logits: Float64Array, temperature: number): Float64Array {
  let max = -Infinity;
  for (const z of logits) max = Math.max(max, z / temperature);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let k = 0; k < logits.length; k++) {
    out[k] = Math.exp((logits[k] ?? 0) / temperature - max);
    sum += out[k] ?? 0;
  }
  for (let k = 0; k < out.length; k++) out[k] = (out[k] ?? 0) / sum;
  return out;
}

/** Dense weights while training; sparse rows once trained. */
class Weights {
  readonly bias: Float64Array;
  readonly #rows: Map<number, Float32Array>;
  readonly #classes: number;

  constructor(classes: number, bias?: Float64Array, rows?: Map<number, Float32Array>) {
    this.#classes = classes;
    this.bias = bias ?? new Float64Array(classes);
    this.#rows = rows ?? new Map<number, Float32Array>();
  }

  row(slot: number): Float32Array | undefined {
    return this.#rows.get(slot);
  }

  rowForUpdate(slot: number): Float32Array {
    let row = this.#rows.get(slot);
    if (!row) this.#rows.set(slot, (row = new Float32Array(this.#classes)));
    return row;
  }

  logits(features: readonly ActiveFeature[]): Float64Array {
    const z = Float64Array.from(this.bias);
    for (const f of features) {
      const row = this.#rows.get(f.slot);
      if (!row) continue;
      for (let k = 0; k < z.length; k++) z[k] = (z[k] ?? 0) + f.value * (row[k] ?? 0);
    }
    return z;
  }

  entries(): [number, Float32Array][] {
    return [...this.#rows.entries()]
      .filter(([, row]) => row.some((w) => w !== 0))
      .sort(([a], [b]) => a - b);
  }
}

/**
 * A trained classifier: answers with a calibrated confidence and its drivers.
 *
 * ```ts
 * const model = TriageModel.fromData(data, 'triage-3');
 * model.classify({ text: 'Carrier has no signed POD for load 4471', features: { podRequired: true } });
 * // { category: 'missingPod', confidence: 0.93, drivers: [{ feature: 'word:pod', weight: 1.9 }, …], modelVersion: 'triage-3' }
 * ```
 */
export class TriageModel implements Classifier {
  readonly modelVersion: string;
  readonly categories: readonly string[];
  readonly temperature: number;
  /** The share of examples held out when it was trained (null: not recorded). */
  readonly heldOut: number | null;
  readonly #weights: Weights;
  readonly #dimension: number;

  private constructor(options: {
    modelVersion: string;
    categories: readonly string[];
    temperature: number;
    weights: Weights;
    dimension: number;
    heldOut?: number | null | undefined;
  }) {
    this.heldOut = options.heldOut ?? null;
    this.modelVersion = options.modelVersion;
    this.categories = options.categories;
    this.temperature = options.temperature;
    this.#weights = options.weights;
    this.#dimension = options.dimension;
  }

  /** Rebuilds a stored model. @throws TriageError (`MODEL_INVALID`) for data it cannot read. */
  static fromData(data: TriageModelData, modelVersion: string): TriageModel {
    const classes = data.categories.length;
    const slots = new Uint32Array(fromBase64(data.slots));
    const weights = new Float32Array(fromBase64(data.weights));
    if (
      data.format !== 1 ||
      classes < 2 ||
      data.bias.length !== classes ||
      weights.length !== slots.length * classes
    ) {
      throw new TriageError('MODEL_INVALID', `model ${modelVersion} is not a readable model`, {
        modelVersion,
      });
    }
    const rows = new Map<number, Float32Array>();
    slots.forEach((slot, i) => rows.set(slot, weights.slice(i * classes, (i + 1) * classes)));
    return new TriageModel({
      modelVersion,
      categories: data.categories,
      temperature: data.temperature,
      weights: new Weights(classes, Float64Array.from(data.bias), rows),
      dimension: data.dimension,
      heldOut: data.heldOut,
    });
  }

  /** @internal Used by {@link trainClassifier}. */
  static fromTraining(options: {
    categories: readonly string[];
    weights: Weights;
    dimension: number;
    temperature: number;
  }): TriageModel {
    return new TriageModel({ ...options, modelVersion: 'unsaved' });
  }

  /** The same weights under another version name (once stored). */
  withVersion(modelVersion: string): TriageModel {
    return new TriageModel({
      modelVersion,
      categories: this.categories,
      temperature: this.temperature,
      weights: this.#weights,
      dimension: this.#dimension,
      heldOut: this.heldOut,
    });
  }

  /** Probability of every category for `input`, in `categories` order. */
  probabilities(input: TriageInput): number[] {
    const features = featurize(input, this.#dimension);
    return [...softmax(this.#weights.logits(features), this.temperature)];
  }

  classify(input: TriageInput): TriageResult {
    const features = featurize(input, this.#dimension);
    const probs = softmax(this.#weights.logits(features), this.temperature);
    let best = 0;
    for (let k = 1; k < probs.length; k++) if ((probs[k] ?? 0) > (probs[best] ?? 0)) best = k;
    return {
      category: this.categories[best] ?? 'unknown',
      confidence: probs[best] ?? 0,
      drivers: this.#drivers(features, best),
      modelVersion: this.modelVersion,
    };
  }

  /**
   * What pushed the answer to `category` rather than the others: each feature's value times its
   * weight for the category less its mean weight over all categories (softmax only sees
   * differences between categories), strongest first.
   */
  #drivers(features: readonly ActiveFeature[], category: number, limit = 5): TriageDriver[] {
    const classes = this.categories.length;
    const contributions = new Map<string, number>();
    for (const f of features) {
      const row = this.#weights.row(f.slot);
      if (!row) continue;
      let mean = 0;
      for (const w of row) mean += w / classes;
      const contribution = (f.value * ((row[category] ?? 0) - mean)) / this.temperature;
      if (contribution > 0) contributions.set(f.name, contribution);
    }
    return [...contributions]
      .sort(([, a], [, b]) => b - a)
      .slice(0, limit)
      .map(([feature, weight]) => ({ feature, weight: Math.round(weight * 1000) / 1000 }));
  }

  toData(): TriageModelData {
    const entries = this.#weights.entries();
    const classes = this.categories.length;
    const slots = Uint32Array.from(entries.map(([slot]) => slot));
    const weights = new Float32Array(entries.length * classes);
    entries.forEach(([, row], i) => weights.set(row, i * classes));
    return {
      format: 1,
      dimension: this.#dimension,
      categories: [...this.categories],
      temperature: this.temperature,
      bias: [...this.#weights.bias],
      slots: toBase64(slots.buffer),
      weights: toBase64(weights.buffer),
      ...(this.heldOut === null ? {} : { heldOut: this.heldOut }),
    };
  }
}

function toBase64(buffer: ArrayBufferLike): string {
  return Buffer.from(new Uint8Array(buffer)).toString('base64');
}

function fromBase64(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, 'base64');
  // Copy into a fresh, aligned buffer: typed arrays need offsets that are multiples of 4.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/** The order categories are listed in: the taxonomy's order first, then any others by name. */
function orderCategories(found: Iterable<string>, preferred: readonly string[]): string[] {
  const set = new Set(found);
  return [
    ...preferred.filter((c) => set.has(c)),
    ...[...set].filter((c) => !preferred.includes(c)).sort(),
  ];
}

/**
 * Trains a model on labelled examples: a share of them (stratified per category) is kept
 * aside to fit the softmax temperature, so confidences mean what they say.
 *
 * ```ts
 * const { classifier } = trainClassifier(examples, { epochs: 12, onProgress: (p) => log(p) });
 * classifier.classify({ text: 'Invoice posted twice for SO-1001', features: {} }).category; // 'duplicateBilling'
 * ```
 * @throws TriageError (`NOT_ENOUGH_EXAMPLES`) with fewer than two categories or ten examples.
 */
export function trainClassifier(
  examples: readonly LabelledExample[],
  options: TrainOptions & { categoryOrder?: readonly string[] } = {},
): TrainedModel {
  const categories = orderCategories(
    examples.map((e) => e.category),
    options.categoryOrder ?? [],
  );
  if (categories.length < 2 || examples.length < 10) {
    throw new TriageError(
      'NOT_ENOUGH_EXAMPLES',
      `training needs at least ten examples of two or more categories (got ${examples.length} of ${categories.length})`,
      { examples: examples.length, categories: categories.length },
    );
  }
  const dimension = options.dimension ?? 1 << 16;
  const epochs = options.epochs ?? 12;
  const rate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-5;
  const random = seededRandom(options.seed ?? 1);
  const { kept, aside } = stratifiedSplit(examples, options.calibrationFraction ?? 0.15, random);
  const index = new Map(categories.map((c, i) => [c, i]));
  const encode = (list: LabelledExample[]) =>
    list.map((e) => ({ features: featurize(e, dimension), label: index.get(e.category) ?? 0 }));
  const train = encode(kept);
  const classes = categories.length;
  const weights = new Weights(classes);
  // AdaGrad: per-weight sums of squared gradients; rare features keep larger steps.
  const squares = new Map<number, Float32Array>();
  const biasSquares = new Float64Array(classes);

  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffle(train, random);
    let loss = 0;
    let correct = 0;
    for (const { features, label } of train) {
      const probs = softmax(weights.logits(features), 1);
      let best = 0;
      for (let k = 1; k < classes; k++) if ((probs[k] ?? 0) > (probs[best] ?? 0)) best = k;
      if (best === label) correct += 1;
      loss -= Math.log(Math.max(probs[label] ?? 0, 1e-12));
      for (let k = 0; k < classes; k++) {
        const gradient = (probs[k] ?? 0) - (k === label ? 1 : 0);
        biasSquares[k] = (biasSquares[k] ?? 0) + gradient * gradient;
        weights.bias[k] =
          (weights.bias[k] ?? 0) - (rate * gradient) / Math.sqrt((biasSquares[k] ?? 0) + 1e-8);
      }
      for (const f of features) {
        const row = weights.rowForUpdate(f.slot);
        let square = squares.get(f.slot);
        if (!square) squares.set(f.slot, (square = new Float32Array(classes)));
        for (let k = 0; k < classes; k++) {
          const g = ((probs[k] ?? 0) - (k === label ? 1 : 0)) * f.value + l2 * (row[k] ?? 0);
          square[k] = (square[k] ?? 0) + g * g;
          row[k] = (row[k] ?? 0) - (rate * g) / Math.sqrt((square[k] ?? 0) + 1e-8);
        }
      }
    }
    options.onProgress?.({
      epoch,
      epochs,
      loss: loss / train.length,
      accuracy: correct / train.length,
    });
  }

  const calibration = encode(aside);
  const temperature = fitTemperature(
    calibration.map(({ features, label }) => ({ logits: weights.logits(features), label })),
  );
  const classifier = TriageModel.fromTraining({ categories, weights, dimension, temperature });
  return {
    classifier,
    data: classifier.toData(),
    trainedOn: train.length,
    calibratedOn: calibration.length,
  };
}

/**
 * The temperature that minimises the negative log-likelihood of the calibration examples
 * (golden-section search over log T in [e^-3, e^3]); 1 when there is nothing to fit on.
 */
export function fitTemperature(
  samples: readonly { logits: Float64Array; label: number }[],
): number {
  if (samples.length === 0) return 1;
  const nll = (logT: number): number => {
    const t = Math.exp(logT);
    let sum = 0;
    for (const { logits, label } of samples)
      sum -= Math.log(Math.max(softmax(logits, t)[label] ?? 0, 1e-12));
    return sum / samples.length;
  };
  const phi = (Math.sqrt(5) - 1) / 2;
  let low = -3;
  let high = 3;
  let a = high - phi * (high - low);
  let b = low + phi * (high - low);
  let fa = nll(a);
  let fb = nll(b);
  for (let i = 0; i < 60; i++) {
    if (fa < fb) {
      high = b;
      b = a;
      fb = fa;
      a = high - phi * (high - low);
      fa = nll(a);
    } else {
      low = a;
      a = b;
      fa = fb;
      b = low + phi * (high - low);
      fb = nll(b);
    }
  }
  return Math.round(Math.exp((low + high) / 2) * 10_000) / 10_000;
}
