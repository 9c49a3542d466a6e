/**
 * The triage model learns the taxonomy from realistic, messy examples, is honest about what it
 * does not know (calibrated confidences), explains itself, and survives storage unchanged.
 */
import { describe, expect, test } from 'vitest';
import type { Classifier, TriageInput } from './classifier.ts';
import { evaluateClassifier } from './evaluate.ts';
import { generateTriageExamples } from './generate.ts';
import { isHeldOut, trainClassifier, TriageModel } from './model.ts';
import { isTriageError } from './triage.error.ts';

const examples = generateTriageExamples({ count: 4000, seed: 11 });
const testSet = examples.filter((e) => isHeldOut(e.id ?? '', 0.2));
const trainSet = examples.filter((e) => !isHeldOut(e.id ?? '', 0.2));
const trained = trainClassifier(trainSet, { epochs: 6, seed: 3 });

describe('trainClassifier', () => {
  test('learns the categories well on held-out examples, but not perfectly (the data is messy)', () => {
    const evaluation = evaluateClassifier(trained.classifier, testSet);
    expect(evaluation.accuracy).toBeGreaterThan(0.8);
    expect(evaluation.accuracy).toBeLessThan(0.99);
    for (const category of evaluation.categories) expect(category.recall).toBeGreaterThan(0.6);
    // Calibrated: confidence is close to how often the model is right.
    expect(evaluation.ece).toBeLessThan(0.08);
  });

  test('keeps a calibration split aside and fits a temperature on it', () => {
    expect(trained.trainedOn + trained.calibratedOn).toBe(trainSet.length);
    expect(trained.calibratedOn).toBeGreaterThan(trainSet.length * 0.1);
    expect(trained.classifier.temperature).toBeGreaterThan(0);
  });

  test('answers with the features that drove the answer', () => {
    const result = trained.classifier.classify({
      text: 'Still no proof of delivery from the carrier, signed POD missing',
      features: { source: 'tms', podRequired: true },
    });
    expect(result.category).toBe('missingPod');
    expect(result.confidence).toBeGreaterThan(0.5);
    expect(result.drivers.length).toBeGreaterThan(0);
    expect(result.drivers.map((d) => d.feature).join(' ')).toMatch(/pod|delivery/);
    const weights = result.drivers.map((d) => d.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
  });

  test('a vague note gets a low confidence', () => {
    const vague = trained.classifier.classify({ text: 'Needs review', features: {} });
    const clear = trained.classifier.classify({
      text: 'Customer over credit limit by $12,000, account on credit hold',
      features: { source: 'erp' },
    });
    expect(clear.category).toBe('creditHold');
    expect(vague.confidence).toBeLessThan(clear.confidence);
    expect(vague.confidence).toBeLessThan(0.7);
  });

  test('a stored model answers exactly as the trained one', () => {
    const restored = TriageModel.fromData(
      JSON.parse(JSON.stringify(trained.data)) as typeof trained.data,
      'triage-9',
    );
    for (const example of testSet.slice(0, 50)) {
      const a = trained.classifier.classify(example);
      const b = restored.classify(example);
      expect(b.category).toBe(a.category);
      expect(b.confidence).toBeCloseTo(a.confidence, 5);
      expect(b.modelVersion).toBe('triage-9');
    }
  });

  test('the same seed trains the same model', () => {
    const again = trainClassifier(trainSet.slice(0, 800), { epochs: 2, seed: 5 });
    const twice = trainClassifier(trainSet.slice(0, 800), { epochs: 2, seed: 5 });
    expect(twice.data).toEqual(again.data);
  });

  test('too few examples or categories is a typed error', () => {
    const one = examples.filter((e) => e.category === 'creditHold').slice(0, 20);
    let error: unknown;
    try {
      trainClassifier(one);
    } catch (e) {
      error = e;
    }
    expect(isTriageError(error) && error.code).toBe('NOT_ENOUGH_EXAMPLES');
  });
});

describe('evaluateClassifier', () => {
  // Answers from a lookup table, so every figure can be worked out by hand.
  const answers: Record<string, [string, number]> = {
    a1: ['creditHold', 0.95],
    a2: ['creditHold', 0.95],
    a3: ['missingPod', 0.65],
    b1: ['missingPod', 0.85],
    b2: ['creditHold', 0.55],
  };
  const fixed: Classifier = {
    modelVersion: 'fixed',
    classify: (input: TriageInput) => {
      const [category, confidence] = answers[input.text] ?? ['creditHold', 0.5];
      return { category, confidence, drivers: [], modelVersion: 'fixed' };
    },
  };
  const set = [
    { text: 'a1', features: {}, category: 'creditHold' },
    { text: 'a2', features: {}, category: 'creditHold' },
    { text: 'a3', features: {}, category: 'creditHold' },
    { text: 'b1', features: {}, category: 'missingPod' },
    { text: 'b2', features: {}, category: 'missingPod' },
  ];

  test('accuracy, precision, recall, F1 and the confusion matrix', () => {
    const evaluation = evaluateClassifier(fixed, set);
    expect(evaluation.accuracy).toBe(0.6);
    expect(evaluation.labels).toEqual(['creditHold', 'missingPod']);
    expect(evaluation.confusion).toEqual([
      [2, 1],
      [1, 1],
    ]);
    const credit = evaluation.categories.find((c) => c.category === 'creditHold');
    expect(credit).toMatchObject({ precision: 0.6667, recall: 0.6667, support: 3 });
    const pod = evaluation.categories.find((c) => c.category === 'missingPod');
    expect(pod).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  });

  test('reliability bins and expected calibration error', () => {
    const evaluation = evaluateClassifier(fixed, set);
    expect(evaluation.reliability).toEqual([
      { from: 0.5, to: 0.6, count: 1, confidence: 0.55, accuracy: 0 },
      { from: 0.6, to: 0.7, count: 1, confidence: 0.65, accuracy: 0 },
      { from: 0.8, to: 0.9, count: 1, confidence: 0.85, accuracy: 1 },
      { from: 0.9, to: 1, count: 2, confidence: 0.95, accuracy: 1 },
    ]);
    // (0.55 + 0.65 + 0.15 + 2 × 0.05) / 5
    expect(evaluation.ece).toBeCloseTo(0.29, 4);
    expect(evaluation.thresholds.find((t) => t.threshold === 0.8)).toEqual({
      threshold: 0.8,
      automated: 0.6,
      accuracy: 1,
    });
  });
});
