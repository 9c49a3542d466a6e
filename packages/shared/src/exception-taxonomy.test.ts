import { describe, expect, it } from 'vitest';
import { durationToMs } from './duration.ts';
import {
  exceptionCategories,
  exceptionCategoryInfo,
  exceptionTaxonomy,
} from './exception-taxonomy.ts';

describe('exception taxonomy', () => {
  it('describes every category once, each with an owner role and a valid SLA', () => {
    expect(exceptionTaxonomy.map((c) => c.id)).toEqual([...exceptionCategories]);
    for (const category of exceptionTaxonomy) {
      expect(category.ownerRole).toMatch(/^[a-z-]+$/);
      expect(durationToMs(category.sla)).toBeGreaterThan(0);
    }
  });

  it('looks categories up by id', () => {
    expect(exceptionCategoryInfo('missingPod')).toMatchObject({
      ownerRole: 'logistics',
      sla: 'P3D',
    });
    expect(exceptionCategoryInfo('nope')).toBeUndefined();
  });
});
