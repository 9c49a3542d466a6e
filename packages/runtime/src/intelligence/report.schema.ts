/**
 * The shape of an intelligence report as JSON, for the OpenAPI document of
 * `GET /api/v1/intelligence` (kept beside the `IntelligenceReport` type it describes).
 * @module
 */
import { z } from 'zod';

const rate = z.number().min(0).max(1).nullable();
const ms = z.number().nullable();
const dimension = z.object({
  name: z.string(),
  started: z.number().nullable(),
  finished: z.number().nullable(),
  exceptionsOpened: z.number(),
  exceptionRate: rate,
});

/** A report: filters used, KPIs, breakdowns, aging, latency histogram, trend and node times. */
export const intelligenceReportSchema = z.object({
  filters: z.object({
    from: z.string(),
    to: z.string(),
    businessUnit: z.string().nullable(),
    warehouse: z.string().nullable(),
    customer: z.string().nullable(),
    flowKey: z.string().nullable(),
    interval: z.enum(['day', 'week']),
  }),
  rolledUntil: z.string().nullable().meta({ description: 'Days before it come from the rollup.' }),
  kpis: z.object({
    started: z.number(),
    finished: z.number(),
    completed: z.number(),
    failed: z.number(),
    touchlessRate: rate,
    exceptionRate: rate,
    firstPassRate: rate,
    exceptionsOpened: z.number(),
    exceptionsResolved: z.number(),
    slaCompliance: rate,
    avgResolveMs: ms,
    openExceptions: z.number(),
    runningInstances: z.number(),
    backlogDays: z.number().nullable(),
    latencyP50Ms: ms,
    latencyP95Ms: ms,
  }),
  categories: z.array(
    z.object({
      category: z.string(),
      label: z.string(),
      opened: z.number(),
      rate: z
        .number()
        .min(0)
        .nullable()
        .meta({ description: 'Opened per instance started in the range.' }),
      resolved: z.number(),
      slaTracked: z.number(),
      slaMet: z.number(),
      slaCompliance: rate,
      avgResolveMs: ms,
    }),
  ),
  businessUnits: z.array(dimension),
  warehouses: z.array(dimension),
  customers: z.array(dimension),
  aging: z.array(z.object({ bucket: z.string(), count: z.number(), overdue: z.number() })),
  latency: z.object({
    count: z.number(),
    p50Ms: ms,
    p95Ms: ms,
    buckets: z.array(z.object({ upToMs: z.number().nullable(), count: z.number() })),
  }),
  trend: z.array(
    z.object({
      period: z.string(),
      started: z.number(),
      completed: z.number(),
      touchless: z.number(),
      touchlessRate: rate,
      exceptionsOpened: z.number(),
    }),
  ),
  nodes: z.array(
    z.object({
      flowKey: z.string(),
      nodeId: z.string(),
      instances: z.number(),
      totalMs: z.number(),
      avgMs: z.number(),
    }),
  ),
});
