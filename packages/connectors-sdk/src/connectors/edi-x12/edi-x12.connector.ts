/**
 * EDI X12 connector, `waybill.edi-x12`: parses interchanges, writes 810 invoices and 997
 * acknowledgments. Its `inbound` trigger watches a folder (a file drop or an SFTP landing folder)
 * and publishes the canonical events of each interchange dropped there, writing the 997 that
 * acknowledges it to `outboundFolder` when one is set.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invoiceSchema } from '@waybill/shared';
import { z } from 'zod';
import { ConnectorError } from '../../connector.error.ts';
import { defineConnector } from '../../define-connector.ts';
import { ediFileToEvents } from './edi-file-to-events.ts';
import { ediParseCommand } from './edi-parse-command.ts';
import { acknowledgeInterchange, acknowledgmentSegments } from './functional-ack-997.ts';
import { generateInvoice810 } from './invoice-810.ts';
import { invoiceToX12 } from './x12-canonical-mapping.ts';
import { X12Error } from './x12.error.ts';
import { parseX12 } from './x12-parser.ts';
import { readTransactionSet } from './transaction-set-reader.ts';
import type { X12EnvelopeOptions } from './x12-writer.ts';
import { writeInterchange } from './x12-writer.ts';

const separator = z
  .string()
  .length(1)
  .regex(/^[^A-Za-z0-9 ]$/, 'must be one character that is not a letter, digit or space');

const config = z.object({
  interchangeId: z.string().min(1).max(15).meta({
    label: 'Our interchange id (ISA06)',
    description: 'How trading partners know us, e.g. a DUNS number',
  }),
  interchangeQualifier: z.string().length(2).default('ZZ').meta({ label: 'Id qualifier (ISA05)' }),
  version: z.enum(['00401', '00501']).default('00401').meta({ label: 'X12 version (ISA12)' }),
  usageIndicator: z.enum(['P', 'T']).default('P').meta({ label: 'Usage (P production, T test)' }),
  elementSeparator: separator.default('*').meta({ label: 'Element separator' }),
  componentSeparator: separator.default('>').meta({ label: 'Component separator (ISA16)' }),
  segmentTerminator: separator.default('~').meta({ label: 'Segment terminator' }),
  inboundFolder: z.string().min(1).optional().meta({
    label: 'Inbound folder',
    description: 'Where partners drop interchanges (the inbound trigger watches it)',
  }),
  outboundFolder: z.string().min(1).optional().meta({
    label: 'Outbound folder',
    description: 'Where the 997 acknowledging each inbound file is written',
  }),
  pollIntervalMs: z.number().int().min(100).default(2_000).meta({ label: 'Poll interval (ms)' }),
});
type EdiConfig = z.output<typeof config>;

const serializedError = z.object({
  code: z.string(),
  message: z.string(),
  segmentPosition: z.number().int().optional(),
  segmentId: z.string().optional(),
  elementPosition: z.number().int().optional(),
});

const partner = {
  receiverId: z.string().min(1).max(15).meta({ label: 'Partner interchange id (ISA08)' }),
  receiverQualifier: z.string().length(2).default('ZZ').meta({ label: 'Partner id qualifier' }),
  interchangeControlNumber: z
    .number()
    .int()
    .min(1)
    .max(999_999_999)
    .meta({ label: 'Interchange control number', description: 'Next ISA13 for this partner' }),
};

const generatedOutput = z.object({
  text: z.string(),
  interchangeControlNumber: z.string(),
  segmentCount: z.number().int(),
});

/**
 * The EDI X12 connector, `waybill.edi-x12` version 1.
 *
 * ```ts
 * const { text } = await invokeOperation(ediX12Connector, 'generateInvoice', {
 *   config: { interchangeId: 'WAYBILLDIST' },
 *   input: { invoice, receiverId: 'RETAILCO', interchangeControlNumber: 303 },
 *   idempotencyKey: 'inst-42:edi810#1',
 *   correlationId: invoice.orderNumber,
 * });
 * ```
 */
export const ediX12Connector = defineConnector({
  id: 'waybill.edi-x12',
  version: 1,
  kind: 'edi',
  displayName: 'EDI X12',
  description:
    'Reads X12 interchanges (850, 856, 810, 820, 997, 999) with envelope checks, and writes 810 invoices and 997 acknowledgments.',
  config,
  operations: ({ defineOperation }) => ({
    parseInterchange: defineOperation({
      displayName: 'Parse interchange',
      description:
        'Parses an X12 interchange: envelopes, control numbers and counts, typed transaction sets. Problems are returned, each with its segment position.',
      input: z.object({ text: z.string().min(1).meta({ label: 'Interchange text' }) }),
      output: z.object({
        ok: z.boolean(),
        interchange: z.record(z.string(), z.unknown()).optional(),
        errors: z.array(serializedError),
      }),
      idempotent: true,
      defaultTimeoutMs: 10_000,
      run: (_ctx, input) => {
        const result = ediParseCommand(input.text);
        const json = result.json?.interchange;
        // The JSON is plain data (strings, numbers, arrays); a round trip drops undefined fields.
        const interchange =
          json === undefined
            ? undefined
            : z.record(z.string(), z.unknown()).parse(JSON.parse(JSON.stringify(json)));
        return Promise.resolve({
          ok: result.ok,
          interchange,
          errors: result.ok ? [] : result.errors,
        });
      },
    }),
    generateInvoice: defineOperation({
      displayName: 'Generate 810 invoice',
      description: 'Writes a canonical invoice as an X12 810 interchange for a trading partner.',
      input: z.object({
        invoice: invoiceSchema.meta({ label: 'Invoice' }),
        ...partner,
        customerName: z.string().min(1).optional().meta({ label: 'Customer name (N1*BY)' }),
      }),
      output: generatedOutput,
      idempotent: true,
      defaultTimeoutMs: 10_000,
      run: (ctx, input) => {
        const content = invoiceToX12(
          input.invoice,
          input.customerName === undefined ? {} : { customerName: input.customerName },
        );
        const text = writing(() => generateInvoice810(content, envelopeOf(ctx.config, input)));
        ctx.logger.info('810 written', {
          invoiceNumber: input.invoice.invoiceNumber,
          receiverId: input.receiverId,
        });
        return Promise.resolve(
          generated(text, input.interchangeControlNumber, ctx.config.segmentTerminator),
        );
      },
    }),
    generateAcknowledgment: defineOperation({
      displayName: 'Generate 997 acknowledgment',
      description:
        'Writes the 997 that answers a received interchange: each set accepted or rejected with the segment and element in error.',
      input: z.object({
        text: z.string().min(1).meta({ label: 'Received interchange' }),
        interchangeControlNumber: partner.interchangeControlNumber,
      }),
      output: generatedOutput.extend({
        groups: z.array(
          z.object({ functionalId: z.string(), controlNumber: z.string(), status: z.string() }),
        ),
      }),
      idempotent: true,
      defaultTimeoutMs: 10_000,
      run: (ctx, input) => {
        const { interchange, errors } = parseX12(input.text);
        if (interchange === undefined) {
          throw new ConnectorError(
            'VALIDATION',
            `cannot acknowledge an unreadable interchange: ${errors.map((e) => e.message).join('; ')}`,
            {
              details: { errors: errors.map((error) => error.toJSON()) },
            },
          );
        }
        for (const set of interchange.groups.flatMap((group) => group.transactionSets))
          errors.push(...readTransactionSet(set).errors);
        const acks = acknowledgeInterchange(interchange, errors);
        const envelope = envelopeOf(ctx.config, {
          receiverId: interchange.header.senderId,
          receiverQualifier: interchange.header.senderQualifier,
          interchangeControlNumber: input.interchangeControlNumber,
        });
        const sets = acks.map((ack, index) => ({
          id: '997',
          controlNumber: String(index + 1).padStart(4, '0'),
          segments: acknowledgmentSegments(ack),
        }));
        const text = writing(() => writeInterchange(envelope, 'FA', sets));
        return Promise.resolve({
          ...generated(text, input.interchangeControlNumber, ctx.config.segmentTerminator),
          groups: acks.map((ack) => ({
            functionalId: ack.group.functionalId,
            controlNumber: ack.group.controlNumber,
            status: ack.groupStatus,
          })),
        });
      },
    }),
  }),
  triggers: ({ defineFileDropTrigger }) => ({
    inbound: defineFileDropTrigger({
      displayName: 'Inbound EDI folder',
      description:
        'Publishes the orders (850), shipments (856) and remittances (820) of interchanges dropped in the inbound folder; a file with errors goes to failed/ with the errors by segment position.',
      events: ['order.released', 'shipment.confirmed', 'remittance.received'],
      folder: (config) => {
        if (config.inboundFolder === undefined) {
          throw new ConnectorError('VALIDATION', 'inboundFolder is not set', {
            details: { target: 'config', issues: [{ path: 'inboundFolder', message: 'required' }] },
          });
        }
        return config.inboundFolder;
      },
      intervalMs: (config) => config.pollIntervalMs,
      toEvents: (file, ctx) => {
        const result = ediFileToEvents(file.text, { filename: file.name });
        if (result.acknowledgment !== undefined && ctx.config.outboundFolder !== undefined) {
          const control = result.interchangeControlNumber ?? file.sha256.slice(0, 9);
          mkdirSync(ctx.config.outboundFolder, { recursive: true });
          writeFileSync(
            join(ctx.config.outboundFolder, `997-${control}.edi`),
            result.acknowledgment,
          );
        }
        if (result.errors.length > 0) {
          const problems = result.errors.map((error) => error.message).join('; ');
          if (result.events.length === 0) {
            throw new ConnectorError('VALIDATION', `${file.name}: ${problems}`, {
              details: { x12: result.errors.map((error) => error.toJSON()) },
            });
          }
          // The sets that parsed still go through; the 997 rejects the others.
          ctx.logger.warn('EDI file partly rejected', { file: file.name, errors: problems });
        }
        return result.events;
      },
    }),
  }),
});

function envelopeOf(
  config: EdiConfig,
  partnerInput: { receiverId: string; receiverQualifier: string; interchangeControlNumber: number },
): X12EnvelopeOptions {
  return {
    senderId: config.interchangeId,
    senderQualifier: config.interchangeQualifier,
    receiverId: partnerInput.receiverId,
    receiverQualifier: partnerInput.receiverQualifier,
    interchangeControlNumber: partnerInput.interchangeControlNumber,
    version: config.version,
    usageIndicator: config.usageIndicator,
    separators: {
      element: config.elementSeparator,
      component: config.componentSeparator,
      segment: config.segmentTerminator,
    },
  };
}

/** Runs a writer, turning values it cannot write into a `VALIDATION` error naming the place. */
function writing(write: () => string): string {
  try {
    return write();
  } catch (error) {
    if (error instanceof X12Error) {
      throw new ConnectorError('VALIDATION', error.message, {
        details: { x12: error.toJSON() },
        cause: error,
      });
    }
    if (error instanceof RangeError)
      throw new ConnectorError('VALIDATION', error.message, { cause: error });
    throw error;
  }
}

function generated(
  text: string,
  interchangeControlNumber: number,
  terminator: string,
): z.input<typeof generatedOutput> {
  return {
    text,
    interchangeControlNumber: String(interchangeControlNumber).padStart(9, '0'),
    segmentCount: text.split(terminator).length - 1,
  };
}
