import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadTemplate } from '../../templates.ts';
import { businessUnitSchema, parseTemplateParameters, summaryOf } from './templates.router.ts';

describe('template deployment parameters', () => {
  const { definition } = loadTemplate('pricing-variance');

  it('accepts values of the declared types', () => {
    expect(parseTemplateParameters(definition, { autoAcceptPct: 5, reviewSla: 'PT8H' })).toEqual({
      autoAcceptPct: 5,
      reviewSla: 'PT8H',
    });
  });

  it('names each parameter that does not fit', () => {
    const error = (() => {
      try {
        parseTemplateParameters(definition, { autoAcceptPct: 'five', reviewSla: 'tomorrow', x: 1 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(z.ZodError);
    const fields = z.flattenError(error as z.ZodError);
    expect(fields.fieldErrors).toEqual({
      autoAcceptPct: ['must be a number'],
      reviewSla: ['must be an ISO-8601 duration such as PT4H or P2D'],
    });
    expect(fields.formErrors[0]).toContain('"x"');
  });

  it('takes business units that can be part of a flow key', () => {
    expect(businessUnitSchema.safeParse('East-2').success).toBe(true);
    expect(businessUnitSchema.safeParse('North America').success).toBe(false);
    expect(businessUnitSchema.safeParse('').success).toBe(false);
  });

  it('summarises a README by its first paragraph, as plain text', () => {
    expect(
      summaryOf('# Pricing variance\n\nRoutes **true** exceptions\nto `pricing`.\n\n## Events\n'),
    ).toBe('Routes true exceptions to pricing.');
  });
});
