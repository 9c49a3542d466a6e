/**
 * How good a triage model is on examples it never saw: accuracy, per-category precision,
 * recall and F1, the confusion matrix, and calibration (a reliability table and the expected
 * calibration error: how far "90 % sure" is from being right 90 % of the time). Also how many
 * answers a flow's threshold would route automatically, and how often those are right.
 * @module
 */
import type { Classifier } from './classifier.ts';
import type { LabelledExample } from './model.ts';
import { TriageError } from './triage.error.ts';

export interface CategoryScore {
  category: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples of this category in the evaluation set. */
  support: number;
}

export interface ReliabilityBin {
  /** Confidence range [from, to). */
  from: number;
  to: number;
  count: number;
  /** Mean confidence of the answers in the bin. */
  confidence: number;
  /** Share of them that were right. */
  accuracy: number;
}

export interface ThresholdScore {
  threshold: number;
  /** Share of answers at or above the threshold (routed without a person). */
  automated: number;
  /** Accuracy of those answers. */
  accuracy: number;
}

export interface TriageEvaluation {
  examples: number;
  accuracy: number;
  macroF1: number;
  /** Mean negative log-likelihood of the true category (needs `probabilities`; else null). */
  logLoss: number | null;
  categories: CategoryScore[];
  /** `confusion[i][j]`: examples of `labels[i]` answered as `labels[j]`. */
  labels: string[];
  confusion: number[][];
  reliability: ReliabilityBin[];
  /** Expected calibration error over the reliability bins (0 = perfectly calibrated). */
  ece: number;
  thresholds: ThresholdScore[];
}

/** A classifier that can also give every category's probability (for the log-loss). */
type ProbabilisticClassifier = Classifier & {
  readonly categories?: readonly string[];
  probabilities?(input: LabelledExample): number[];
};

const round = (value: number, digits = 4): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Evaluates `classifier` on `examples`.
 *
 * ```ts
 * const report = evaluateClassifier(model, heldOut, { bins: 10 });
 * report.accuracy; report.ece; report.categories.find((c) => c.category === 'missingPod')?.recall;
 * ```
 * @throws TriageError (`NOT_ENOUGH_EXAMPLES`) with no examples.
 */
export function evaluateClassifier(
  classifier: ProbabilisticClassifier,
  examples: readonly LabelledExample[],
  options: { bins?: number; thresholds?: readonly number[] } = {},
): TriageEvaluation {
  if (examples.length === 0)
    throw new TriageError('NOT_ENOUGH_EXAMPLES', 'there are no examples to evaluate on');
  const labels = [
    ...new Set([...(classifier.categories ?? []), ...examples.map((e) => e.category)]),
  ];
  const at = new Map(labels.map((l, i) => [l, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  const answers: { confidence: number; right: boolean }[] = [];
  let logLoss = 0;
  let withProbabilities = 0;
  for (const example of examples) {
    const result = classifier.classify(example);
    if (!at.has(result.category)) {
      at.set(result.category, labels.length);
      labels.push(result.category);
      for (const row of confusion) row.push(0);
      confusion.push(labels.map(() => 0));
    }
    const truth = at.get(example.category) ?? 0;
    const answer = at.get(result.category) ?? 0;
    const row = confusion[truth];
    if (row) row[answer] = (row[answer] ?? 0) + 1;
    answers.push({ confidence: result.confidence, right: truth === answer });
    if (classifier.probabilities && classifier.categories) {
      const probs = classifier.probabilities(example);
      const p = probs[classifier.categories.indexOf(example.category)] ?? 0;
      logLoss -= Math.log(Math.max(p, 1e-12));
      withProbabilities += 1;
    }
  }
  const categories = labels.map((category, i): CategoryScore => {
    const truePositives = confusion[i]?.[i] ?? 0;
    const predicted = confusion.reduce((sum, row) => sum + (row[i] ?? 0), 0);
    const support = (confusion[i] ?? []).reduce((sum, n) => sum + n, 0);
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { category, precision: round(precision), recall: round(recall), f1: round(f1), support };
  });
  const supported = categories.filter((c) => c.support > 0);
  const right = answers.filter((a) => a.right).length;
  const { reliability, ece } = calibration(answers, options.bins ?? 10);
  return {
    examples: examples.length,
    accuracy: round(right / examples.length),
    macroF1: round(supported.reduce((sum, c) => sum + c.f1, 0) / Math.max(1, supported.length)),
    logLoss: withProbabilities === 0 ? null : round(logLoss / withProbabilities),
    categories,
    labels,
    confusion,
    reliability,
    ece,
    thresholds: (options.thresholds ?? [0.5, 0.7, 0.8, 0.9, 0.95]).map((threshold) => {
      const above = answers.filter((a) => a.confidence >= threshold);
      return {
        threshold,
        automated: round(above.length / answers.length),
        accuracy:
          above.length === 0 ? 0 : round(above.filter((a) => a.right).length / above.length),
      };
    }),
  };
}

function calibration(
  answers: readonly { confidence: number; right: boolean }[],
  bins: number,
): { reliability: ReliabilityBin[]; ece: number } {
  const reliability: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const from = b / bins;
    const to = (b + 1) / bins;
    const inBin = answers.filter(
      (a) => a.confidence >= from && (a.confidence < to || (b === bins - 1 && a.confidence <= 1)),
    );
    if (inBin.length === 0) continue;
    const confidence = inBin.reduce((sum, a) => sum + a.confidence, 0) / inBin.length;
    const accuracy = inBin.filter((a) => a.right).length / inBin.length;
    ece += (inBin.length / answers.length) * Math.abs(accuracy - confidence);
    reliability.push({
      from: round(from, 2),
      to: round(to, 2),
      count: inBin.length,
      confidence: round(confidence),
      accuracy: round(accuracy),
    });
  }
  return { reliability, ece: round(ece) };
}

/**
 * The evaluation as text for a terminal: summary, per-category scores, confusion matrix,
 * reliability table and what each threshold would automate.
 */
export function formatEvaluation(evaluation: TriageEvaluation): string {
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`.padStart(6);
  const lines: string[] = [];
  lines.push(
    `examples ${evaluation.examples}   accuracy ${pct(evaluation.accuracy).trim()}   macro-F1 ${evaluation.macroF1.toFixed(3)}` +
      `   log-loss ${evaluation.logLoss === null ? 'n/a' : evaluation.logLoss.toFixed(3)}   ECE ${evaluation.ece.toFixed(3)}`,
    '',
    `${'category'.padEnd(20)} precision  recall      F1  support`,
  );
  for (const c of evaluation.categories) {
    lines.push(
      `${c.category.padEnd(20)} ${pct(c.precision).padStart(9)} ${pct(c.recall).padStart(7)} ${c.f1.toFixed(3).padStart(7)} ${String(c.support).padStart(8)}`,
    );
  }
  lines.push('', 'confusion (rows: true category, columns: answered)');
  const short = evaluation.labels.map((l) => l.slice(0, 6));
  lines.push(`${''.padEnd(20)} ${short.map((s) => s.padStart(6)).join(' ')}`);
  evaluation.labels.forEach((label, i) => {
    const row = evaluation.confusion[i] ?? [];
    lines.push(`${label.padEnd(20)} ${row.map((n) => String(n).padStart(6)).join(' ')}`);
  });
  lines.push('', 'reliability (confidence bin → how often right)');
  lines.push('bin           count  confidence  accuracy');
  for (const bin of evaluation.reliability) {
    lines.push(
      `${`${bin.from.toFixed(1)}–${bin.to.toFixed(1)}`.padEnd(12)} ${String(bin.count).padStart(6)} ${pct(bin.confidence).padStart(11)} ${pct(bin.accuracy).padStart(9)}`,
    );
  }
  lines.push('', 'threshold  routed automatically  accuracy of those');
  for (const t of evaluation.thresholds) {
    lines.push(
      `${t.threshold.toFixed(2).padEnd(10)} ${pct(t.automated).padStart(20)} ${pct(t.accuracy).padStart(18)}`,
    );
  }
  return lines.join('\n');
}
