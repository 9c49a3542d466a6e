/**
 * Templates: the flows Waybill ships. Each folder under `templates/` holds a `flow.json`, a `README.md` and scenario tests.
 * A business unit deploys one with its own parameters (`pnpm waybill templates deploy <name>`).
 *
 * ```ts
 * import { loadTemplate, withParameters } from '@waybill/runtime';
 * const template = loadTemplate('billing-readiness');
 * const flow = withParameters(template.definition, { podDeadline: 'P3D' }, { unit: 'east' });
 * ```
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { flowDefinitionSchema, type FlowDefinition } from '@waybill/shared';

/** Folder that holds the templates (`templates/` at the repo root, or `WAYBILL_TEMPLATES_DIR`). */
export const templatesDir = resolve(
  process.env.WAYBILL_TEMPLATES_DIR ?? join(import.meta.dirname, '..', '..', '..', 'templates'),
);

export interface Template {
  name: string;
  definition: FlowDefinition;
  readme: string;
}

/** Names of the shipped templates (folders with a `flow.json`). */
export function listTemplates(): string[] {
  return readdirSync(templatesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(templatesDir, d.name, 'flow.json')))
    .map((d) => d.name)
    .sort();
}

/** Error raised for an unknown template or a parameter that does not fit. */
export class TemplateError extends Error {
  readonly code: 'UNKNOWN_TEMPLATE' | 'UNKNOWN_PARAMETER' | 'INVALID_PARAMETER';
  constructor(code: TemplateError['code'], message: string) {
    super(message);
    this.name = 'TemplateError';
    this.code = code;
  }
}

/** Reads and parses one template; throws `TemplateError` when it does not exist. */
export function loadTemplate(name: string): Template {
  const dir = join(templatesDir, name);
  const file = join(dir, 'flow.json');
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
    throw new TemplateError(
      'UNKNOWN_TEMPLATE',
      `No template named "${name}". Known: ${listTemplates().join(', ')}`,
    );
  }
  const definition = flowDefinitionSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const readmeFile = join(dir, 'README.md');
  const readme = existsSync(readmeFile) ? readFileSync(readmeFile, 'utf8') : '';
  return { name, definition, readme };
}

/**
 * Returns a copy of the template's definition with parameter values set, and, for a business unit,
 * its own flow key (`<template>-<unit>`) so each unit's deployment is its own versioned flow.
 * Values given as strings (from the command line) are converted to the parameter's type.
 */
export function withParameters(
  definition: FlowDefinition,
  values: Record<string, unknown>,
  options: { unit?: string } = {},
): FlowDefinition {
  const known = new Map(definition.parameters.map((p) => [p.name, p]));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) {
      throw new TemplateError(
        'UNKNOWN_PARAMETER',
        `Unknown parameter "${name}" for flow ${definition.key}. Known: ${[...known.keys()].join(', ')}`,
      );
    }
  }
  const parameters = definition.parameters.map((p) =>
    p.name in values ? { ...p, value: coerce(p.name, p.type, values[p.name]) } : p,
  );
  const unit = options.unit?.trim();
  return {
    ...definition,
    parameters,
    ...(unit
      ? { key: `${definition.key}-${unit.toLowerCase()}`, name: `${definition.name} (${unit})` }
      : {}),
  };
}

function coerce(name: string, type: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  switch (type) {
    case 'number':
    case 'integer': {
      const n = Number(value);
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) {
        throw new TemplateError(
          'INVALID_PARAMETER',
          `Parameter "${name}" must be a ${type}, got "${value}"`,
        );
      }
      return n;
    }
    case 'boolean':
      if (value !== 'true' && value !== 'false') {
        throw new TemplateError(
          'INVALID_PARAMETER',
          `Parameter "${name}" must be true or false, got "${value}"`,
        );
      }
      return value === 'true';
    default:
      return value;
  }
}
