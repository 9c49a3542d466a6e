/**
 * Which tasks may be approved in bulk. Deterministic and per task: a task is low risk when the
 * flow marked its exception `low` severity, or when the amount at stake is at most the
 * threshold; and it must have an approving outcome and no required form field (a bulk approval
 * fills in nothing).
 * @module
 */
import type { TaskStatus } from '../db/schema.ts';
import { isRecord } from '../util.ts';

export interface LowRiskRule {
  /** Largest amount (in the task's currency) approved in bulk; `WAYBILL_LOW_RISK_AMOUNT`, default 500. */
  maxAmount: number;
}

/** Outcome ids that approve, in order of preference. */
export const APPROVING_OUTCOMES = ['approve', 'accept', 'release'] as const;

/** The rule from the environment: `WAYBILL_LOW_RISK_AMOUNT` (default 500). */
export function lowRiskRuleFromEnv(env: NodeJS.ProcessEnv = process.env): LowRiskRule {
  const fromEnv = Number(env.WAYBILL_LOW_RISK_AMOUNT);
  return { maxAmount: Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : 500 };
}

/**
 * The outcome a bulk approval would take, or why the task cannot be approved in bulk.
 *
 * ```ts
 * lowRiskOf({ severity: null, amount: 120, outcomes, form: [], status: 'open' }, { maxAmount: 500 });
 * // → { outcome: 'approve' }
 * ```
 */
export function lowRiskOf(
  task: {
    severity: string | null;
    amount: number | null;
    outcomes: { id: string }[];
    form: unknown[];
    status: TaskStatus;
  },
  rule: LowRiskRule,
): { outcome: string } | { reason: string } {
  if (task.status !== 'open') return { reason: `The task is ${task.status}.` };
  const outcome = APPROVING_OUTCOMES.find((id) => task.outcomes.some((o) => o.id === id));
  if (outcome === undefined) return { reason: 'The task has no approving outcome.' };
  if (task.form.some((field) => isRecord(field) && field.required === true)) {
    return { reason: 'The form has required fields.' };
  }
  if (task.severity === 'low') return { outcome };
  if (task.amount !== null && task.amount <= rule.maxAmount) return { outcome };
  return {
    reason:
      task.amount === null
        ? 'No amount is known and the flow did not mark it low risk.'
        : `The amount ${task.amount} is above the bulk approval limit of ${rule.maxAmount}.`,
  };
}
