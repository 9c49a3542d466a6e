/**
 * AI-assisted exception triage: a classifier trained on resolved exceptions and on people's
 * decisions, running in-process with no model download. The `classify` node asks it for a
 * category; at or above the flow's threshold the flow routes on the answer, below it a person
 * decides and {@link recordTriageLabel} keeps the decision as training data.
 *
 * ```ts
 * import { loadClassifier, trainClassifier, evaluateClassifier } from '@waybill/runtime';
 * const classifier = await loadClassifier(db); // the active model, or null
 * classifier?.classify({ text: 'No POD from ODFL for load SH-4471', features: { podRequired: true } });
 * ```
 * @module
 */
export type { Classifier, TriageDriver, TriageInput, TriageResult } from './classifier.ts';
export { fitTemperature, isHeldOut, seededRandom, trainClassifier, TriageModel } from './model.ts';
export type {
  LabelledExample,
  TrainedModel,
  TrainOptions,
  TrainProgress,
  TriageModelData,
} from './model.ts';
export { evaluateClassifier, formatEvaluation } from './evaluate.ts';
export type {
  CategoryScore,
  ReliabilityBin,
  ThresholdScore,
  TriageEvaluation,
} from './evaluate.ts';
export { featureNames, featurize, tokenize } from './features.ts';
export { generateTriageExamples } from './generate.ts';
export type { GenerateOptions } from './generate.ts';
export {
  collectResolvedExceptions,
  importTriageExamples,
  listTriageModels,
  loadClassifier,
  loadModel,
  loadTriageExamples,
  recordTriageLabel,
  saveTriageModel,
} from './store.ts';
export type { StoredTriageModel, TriageLabel } from './store.ts';
export { readExamplesFile, runTriageCommand, triageUsage } from './triage.command.ts';
export type { TriageCommandIo } from './triage.command.ts';
export { isTriageError, TriageError, TriageErrorCodes } from './triage.error.ts';
export type { TriageErrorCode } from './triage.error.ts';
