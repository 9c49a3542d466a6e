import type { z } from 'zod';
import type { FieldIssue } from './connector.error.ts';

/** Zod issues as `{ path: 'lines.0.quantity', message }`; a problem with the whole value has path `(root)`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => ({
    path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** `lines.0.quantity: Too small: expected number to be >0; currency: …` */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
