/**
 * The runtime side of `classify` nodes: asking the trained classifier (when there is one) inside
 * the step's transaction, auditing every recommendation, and keeping people's decisions on
 * unsure classifications as training data.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { ClassifyParams, RecordTriageDecisionParams } from '@waybill/shared';
import { jsonb, type Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { isRecord } from '../util.ts';
import type { Classifier, TriageResult } from '../triage/classifier.ts';
import { loadClassifier, recordTriageLabel } from '../triage/store.ts';
import type { InstanceRef } from './apply-step.ts';

/** A person's decision on a classification the classifier was not sure of. */
export interface TriageDecision {
  instanceId: string;
  nodeId: string;
  /** The classification's `<nodeId>#<visit>`. */
  effectKey: string;
  text: string;
  features: ClassifyParams['features'];
  category: string;
  decidedBy: string;
  /** What the classifier had recommended (null when no model answered). */
  predicted: Pick<TriageResult, 'category' | 'confidence' | 'modelVersion'> | null;
}

/**
 * Where classify steps get their classifier and where decisions go. With no trained model
 * every classification goes to a person with confidence 0. Workers use {@link trainedTriage}
 * unless given another provider.
 *
 * ```ts
 * const triage: TriageProvider = {
 *   classifier: (db) => loadClassifier(db),
 *   recordDecision: (db, d) => recordTriageLabel(db, { ...d, sourceRef: `classify:${d.instanceId}:${d.effectKey}` }),
 * };
 * new Worker({ connection, connectors, triage });
 * ```
 */
export interface TriageProvider {
  classifier(db: Kysely<Database>): Promise<Classifier | null>;
  /** Keeps a decision as training data (called in the step's transaction). */
  recordDecision?(db: Kysely<Database>, decision: TriageDecision): Promise<void>;
}

/** Audit kinds of the triage trail. */
export const TriageAuditKind = {
  recommendation: 'triage.recommendation',
  decision: 'triage.decision',
} as const;

/**
 * Classifies, audits the recommendation and hands the answer to the instance (an inbox message
 * in the same transaction).
 */
export async function runClassification(
  trx: Kysely<Database>,
  request: { instance: InstanceRef; params: ClassifyParams },
  classifier: Classifier | null,
  logger: Logger,
): Promise<void> {
  const { instance, params } = request;
  let result: TriageResult | null = null;
  if (classifier) {
    try {
      result = classifier.classify({ text: params.text, features: params.features });
    } catch (error) {
      // A classifier that cannot answer must not stop the flow: a person decides instead.
      logger.warn('classifier failed; a person decides', {
        correlationKey: instance.correlationKey,
        instanceId: instance.id,
        err: error,
      });
    }
  }
  const recommendation = {
    effectKey: params.effectKey,
    nodeId: params.nodeId,
    text: params.text,
    features: params.features,
    categories: params.categories,
    threshold: params.threshold,
    category: result?.category ?? null,
    confidence: result?.confidence ?? 0,
    drivers: (result?.drivers ?? []).map((d) => ({ feature: d.feature, weight: d.weight })),
    modelVersion: result?.modelVersion ?? null,
    routed:
      result !== null &&
      result.confidence >= params.threshold &&
      params.categories.includes(result.category),
  };
  await trx
    .insertInto('audit_log')
    .values({
      actor: 'classifier',
      instance_id: instance.id,
      kind: TriageAuditKind.recommendation,
      flow_key: instance.flowKey,
      from_nodes: jsonb([params.nodeId]),
      to_nodes: jsonb([params.nodeId]),
      event_type: 'waybill.classified',
      details: jsonb(recommendation),
    })
    .execute();
  await trx
    .insertInto('inbox')
    .values({
      instance_id: instance.id,
      kind: 'effect',
      body: jsonb({
        type: 'waybill.classified',
        effectKey: params.effectKey,
        category: recommendation.category,
        confidence: recommendation.confidence,
        modelVersion: recommendation.modelVersion,
      }),
    })
    .execute();
  logger.info('classified', {
    correlationKey: instance.correlationKey,
    instanceId: instance.id,
    nodeId: params.nodeId,
    category: recommendation.category,
    confidence: recommendation.confidence,
    routed: recommendation.routed,
  });
}

/** Audits a person's decision and keeps it as training data with what was classified. */
export async function recordDecision(
  trx: Kysely<Database>,
  request: { instance: InstanceRef; params: RecordTriageDecisionParams },
  provider: TriageProvider | undefined,
): Promise<void> {
  const { instance, params } = request;
  const asked = await trx
    .selectFrom('audit_log')
    .select('details')
    .where('instance_id', '=', instance.id)
    .where('kind', '=', TriageAuditKind.recommendation)
    .where(sql<string>`details->>'effectKey'`, '=', params.effectKey)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const details = isRecord(asked?.details) ? asked.details : {};
  const category = typeof details['category'] === 'string' ? details['category'] : null;
  const decision: TriageDecision = {
    instanceId: instance.id,
    nodeId: params.nodeId,
    effectKey: params.effectKey,
    text: typeof details['text'] === 'string' ? details['text'] : '',
    features: featuresOf(details['features']),
    category: params.category,
    decidedBy: params.decidedBy,
    predicted:
      category === null
        ? null
        : {
            category,
            confidence: typeof details['confidence'] === 'number' ? details['confidence'] : 0,
            modelVersion:
              typeof details['modelVersion'] === 'string' ? details['modelVersion'] : 'unknown',
          },
  };
  await trx
    .insertInto('audit_log')
    .values({
      actor: params.decidedBy,
      instance_id: instance.id,
      kind: TriageAuditKind.decision,
      flow_key: instance.flowKey,
      from_nodes: jsonb([params.nodeId]),
      to_nodes: jsonb([params.nodeId]),
      event_type: 'waybill.task.completed',
      details: jsonb(decision),
    })
    .execute();
  await provider?.recordDecision?.(trx, decision);
}

function featuresOf(value: unknown): ClassifyParams['features'] {
  const features: ClassifyParams['features'] = {};
  if (!isRecord(value)) return features;
  for (const [name, v] of Object.entries(value)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      features[name] = v;
  }
  return features;
}

/** How long a loaded model is used before the active model is looked up again. */
const MODEL_RECHECK_MS = 30_000;

/**
 * The trained triage model of the database (`waybill triage train`), looked up again every
 * 30 s so a newly activated model is used without a restart; people's decisions are kept as
 * training examples. What workers use unless given another provider.
 *
 * ```ts
 * new Worker({ connection, connectors, triage: trainedTriage() });
 * ```
 */
export function trainedTriage(): TriageProvider {
  let cached: { at: number; classifier: Classifier | null } | null = null;
  return {
    async classifier(db) {
      const now = Date.now();
      if (cached && now - cached.at < MODEL_RECHECK_MS) return cached.classifier;
      cached = { at: now, classifier: await loadClassifier(db) };
      return cached.classifier;
    },
    async recordDecision(db, decision) {
      await recordTriageLabel(db, {
        text: decision.text,
        features: decision.features,
        category: decision.category,
        decidedBy: decision.decidedBy,
        sourceRef: `classify:${decision.instanceId}:${decision.effectKey}`,
        instanceId: decision.instanceId,
        predicted: decision.predicted,
      });
    },
  };
}
