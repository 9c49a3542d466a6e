/**
 * `templates.*`: the template gallery. Lists the shipped templates (README summary, parameters,
 * connectors and roles they need, where they are deployed) and deploys one for a business unit:
 * each unit's deployment is its own versioned flow, `<template key>-<unit>`.
 */
import { durationToMs, type FlowDefinition, type ParameterDeclaration } from '@waybill/shared';
import { z } from 'zod';
import { deployFlow } from '../../engine/flows.ts';
import { recordBusinessUnit } from '../../intelligence/business-units.ts';
import { listTemplates, loadTemplate, withParameters } from '../../templates.ts';
import { requires, router } from '../trpc.ts';

/** The first paragraph of a README after its title, as plain text (no Markdown emphasis or code marks). */
export function summaryOf(readme: string): string {
  const paragraphs = readme
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0 && !p.startsWith('#') && !p.startsWith('```'));
  return (paragraphs[0] ?? '')
    .replace(/\s*\r?\n\s*/g, ' ')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1');
}

function connectorsOf(definition: FlowDefinition): string[] {
  const ids = definition.nodes.flatMap((n) => (n.type === 'connectorCall' ? [n.connector] : []));
  return [...new Set(ids)].sort();
}

function rolesOf(definition: FlowDefinition): string[] {
  const roles = definition.nodes.flatMap((n) =>
    n.type === 'humanTask'
      ? [...n.candidateRoles, ...(n.escalation ? [n.escalation.toRole] : [])]
      : [],
  );
  return [...new Set(roles)].sort();
}

const duration = z.string().refine((value) => {
  try {
    durationToMs(value);
    return true;
  } catch {
    return false;
  }
}, 'must be an ISO-8601 duration such as PT4H or P2D');

/** The schema a parameter's value must fit, from its declared type. */
function parameterValueSchema(p: ParameterDeclaration): z.ZodType {
  switch (p.type) {
    case 'number':
      return z.number({ error: 'must be a number' }).finite();
    case 'integer':
      return z.number({ error: 'must be a whole number' }).int('must be a whole number');
    case 'boolean':
      return z.boolean({ error: 'must be true or false' });
    case 'duration':
      return duration;
    case 'string':
      return z.string({ error: 'must be text' });
  }
}

/**
 * Checks deployment values against a template's parameters; a `ZodError` names each bad
 * parameter (its path is the parameter name).
 */
export function parseTemplateParameters(
  definition: FlowDefinition,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const shape = Object.fromEntries(
    definition.parameters.map((p) => [p.name, parameterValueSchema(p).optional()]),
  );
  return z.strictObject(shape).parse(values);
}

/** A business unit as it appears in flow keys: letters, digits and hyphens. */
export const businessUnitSchema = z
  .string()
  .trim()
  .min(1, 'give the business unit a name')
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'use letters, digits and hyphens (e.g. east or BU-2)');

export const templatesRouter = router({
  list: requires('flows:read').query(async ({ ctx }) => {
    const deployed = await ctx.db.selectFrom('flows').select(['key', 'business_unit']).execute();
    return listTemplates().map((name) => {
      const { definition, readme } = loadTemplate(name);
      return {
        name,
        title: definition.name,
        key: definition.key,
        summary: summaryOf(readme),
        trigger: definition.trigger.event,
        parameters: definition.parameters.map((p) => ({
          name: p.name,
          type: p.type,
          description: p.description ?? null,
          default: p.value ?? p.default ?? null,
        })),
        connectors: connectorsOf(definition),
        roles: rolesOf(definition),
        deployments: deployed
          .filter((f) => f.key === definition.key || f.key.startsWith(`${definition.key}-`))
          .filter((f) => f.key === definition.key || f.business_unit !== null)
          .map((f) => ({ key: f.key, businessUnit: f.business_unit })),
      };
    });
  }),
  deploy: requires('flows:publish')
    .input(
      z.object({
        name: z.string().min(1),
        businessUnit: businessUnitSchema,
        parameters: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const template = loadTemplate(input.name);
      const values = parseTemplateParameters(template.definition, input.parameters);
      const definition = withParameters(template.definition, values, { unit: input.businessUnit });
      const result = await deployFlow(ctx.db, definition, {
        note: `Template ${input.name} for ${input.businessUnit}`,
        publishedBy: ctx.actor,
        catalogue: ctx.registry.catalogue(),
      });
      await recordBusinessUnit(ctx.db, result.key, input.businessUnit);
      return result;
    }),
});
