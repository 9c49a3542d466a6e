import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { flowDefinitionSchema } from '../flow.schema.ts';
import { CASE_BUDGET_MS, fuzzParameters, fuzzTimeout, timed } from '../test/fuzz.ts';
import { validate } from '../validate.ts';
import { isBpmnImportError } from './bpmn.error.ts';
import { importBpmn } from './bpmn-import.ts';

const fixtures = ['invoice-exception.bpmn', 'credit-hold-zeebe.bpmn'].map((name) =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8'),
);
const ids = [
  ...new Set(fixtures.flatMap((xml) => [...xml.matchAll(/id="([^"]+)"/g)].map((m) => m[1]!))),
];

/** Fragments that break XML, dangle references, loop flows or add elements nothing maps. */
const fragments = [
  ...['<', '>', '/>', '"', "'", '&', '&amp;', '&#0;', ']]>', '<![CDATA[x]]>', '<!-- -->', '\u0000'],
  ...['<!DOCTYPE d [<!ENTITY e "eeeeeeeeee">]>', '&e;', '<?xml version="1.0"?>', 'xmlns:bpmn="x"'],
  ...['</bpmn:process>', '<bpmn:process id="P2">', '</bpmn:definitions>', '<bpmn:task id="T"/>'],
  '<bpmn:startEvent id="S2"/>',
  '<bpmn:endEvent id="E2"/>',
  '<bpmn:exclusiveGateway id="G2" default="Nowhere"/>',
  '<bpmn:subProcess id="SP"><bpmn:startEvent id="SS"/></bpmn:subProcess>',
  '<bpmn:complexGateway id="C"/>',
  '<bpmn:boundaryEvent id="B" attachedToRef="Missing"/>',
  ...ids.map((id) => `<bpmn:sequenceFlow id="L_${id}" sourceRef="${id}" targetRef="${id}"/>`),
  ...ids.map((id) => `id="${id}"`),
  ...ids,
  'sourceRef="',
  'targetRef="',
  '<bpmn:conditionExpression>${amount &gt;</bpmn:conditionExpression>',
  '<bpmn:timeDuration>P-1D</bpmn:timeDuration>',
  '<bpmn:timeCycle>R/PT0S</bpmn:timeCycle>',
];

/** A fixture with one to five edits: text inserted, deleted or replaced at random places. */
const documents = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...fixtures),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.oneof(fc.constant(0), fc.nat({ max: 8 }), fc.nat({ max: 400 })),
            fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 4 })),
          ),
          { minLength: 1, maxLength: 5 },
        ),
      )
      .map(([xml, edits]) =>
        edits.reduce((text, [at, remove, insert]) => {
          const i = at % (text.length + 1);
          return text.slice(0, i) + insert + text.slice(i + remove);
        }, xml),
      ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

describe('importBpmn() under mutated documents', () => {
  test(
    'imports a valid definition with a report naming each element, or throws a BpmnImportError',
    () => {
      let imported = 0;
      fc.assert(
        fc.property(documents, (xml) => {
          const result = timed(() => importBpmn(xml));
          expect(result.ms).toBeLessThan(CASE_BUDGET_MS);
          if (!result.ok) {
            const error = result.error;
            if (!isBpmnImportError(error)) throw error;
            expect(['BPMN_XML_INVALID', 'BPMN_NO_PROCESS', 'BPMN_NO_START']).toContain(error.code);
            expect(error.message.trim()).not.toBe('');
            if (error.code === 'BPMN_XML_INVALID') {
              expect(error.message).toMatch(/^(not well-formed XML|empty document)/);
            }
            return;
          }
          imported += 1;
          const { definition, report } = result.value;
          expect(flowDefinitionSchema.safeParse(definition).success).toBe(true);
          for (const item of report) {
            expect(item.elementId).not.toBe('');
            expect(item.elementType).not.toBe('');
            expect(item.message.trim()).not.toBe('');
          }
          // What the importer could not settle, validate() says; it must not crash on it.
          for (const problem of validate(definition)) expect(problem.message).not.toBe('');
        }),
        fuzzParameters(200),
      );
      // The mutations are mild enough that many documents still import: both paths are exercised.
      expect(imported).toBeGreaterThan(0);
    },
    fuzzTimeout(200),
  );

  test('an unclosed processing instruction is refused as not well-formed XML', () => {
    expect(() => importBpmn('<?UTF-8"?>\n<bpmn:definitions/>')).toThrow(
      expect.objectContaining({
        code: 'BPMN_XML_INVALID',
        message: expect.stringMatching(/^not well-formed XML: /),
      }),
    );
  });
});
