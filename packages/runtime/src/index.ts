/**
 * `@waybill/runtime`: the durable runtime of Waybill flows on Postgres (or embedded PGlite):
 * database and migrations, ingestion, the engine (routing, advancing, effects, timers, tasks),
 * the HTTP and tRPC APIs and the platform that ties them together.
 *
 * ```ts
 * import { connect, migrateToLatest } from '@waybill/runtime';
 * const connection = await connect({ databaseUrl: process.env.DATABASE_URL });
 * await migrateToLatest(connection.db);
 * ```
 * @module
 */
export { connect, defaultDataDir, notify } from './db/connect.ts';
export type { Connection, ConnectOptions, DatabaseKind } from './db/connect.ts';
export { migrateToLatest, MigrationError } from './db/migrate.ts';
export { InstanceStatus, jsonb } from './db/schema.ts';
export type { Database } from './db/schema.ts';
export { ensureApiKey, generateApiKey, registerApiKey, revokeApiKey } from './api/api-keys.ts';
export { ingestEvent } from './engine/ingest.ts';
export type { IncomingEvent, IngestResult } from './engine/ingest.ts';
export { getInstanceView, listInstances } from './engine/queries.ts';
export type { InstanceView, InstanceSummary, InstanceFilter } from './engine/queries.ts';
export { createHttpApp } from './api/app.ts';
export { createLogger, silentLogger } from './log.ts';
export type { Logger } from './log.ts';
export { createPlatform, DEFAULT_DESIGNER_DIR, RUNTIME_VERSION } from './platform.ts';
export type { Platform, PlatformOptions } from './platform.ts';
export { appRouter } from './api/routers/_app.ts';
export type { AppRouter } from './api/routers/_app.ts';
export type { Access, ProcedureMeta, TrpcContext } from './api/trpc.ts';
export * from './identity/index.ts';
export * from './notifications/index.ts';
export { recordAssignedIntents, scheduleReminders } from './engine/sla.ts';
export { Worker } from './engine/worker.ts';
export type { WorkerOptions, RoundResult } from './engine/worker.ts';
export { MachineCache } from './engine/machines.ts';
export { routeEvents } from './engine/router.ts';
export { advanceInstances } from './engine/advance.ts';
export { runDueEffects, backoffDelay, DEFAULT_RETRY_POLICY } from './engine/effect-runner.ts';
export type { ConnectorSetup, EffectRunnerOptions } from './engine/effect-runner.ts';
export { fireDueTimers } from './engine/timers.ts';
export { completeTask, listTasks } from './engine/tasks.ts';
export type { CompleteTaskInput, TaskView } from './engine/tasks.ts';
export {
  createFlow,
  definitionChecksum,
  deployFlow,
  getFlow,
  getFlowVersion,
  initialDraft,
  listFlows,
  publishFlow,
  saveDraft,
} from './engine/flows.ts';
export type { FlowDetail, FlowListItem, FlowVersionInfo, PublishOptions } from './engine/flows.ts';
export { RuntimeError, RuntimeErrorCodes, isRuntimeError } from './engine/runtime.error.ts';
export type { RuntimeErrorCode } from './engine/runtime.error.ts';
export { WORK_CHANNEL } from './engine/channels.ts';
export { queueDepths } from './engine/stats.ts';
export type { QueueDepths } from './engine/stats.ts';
export {
  listTemplates,
  loadTemplate,
  TemplateError,
  templatesDir,
  withParameters,
} from './templates.ts';
export type { Template } from './templates.ts';

// AI-assisted exception triage (the classifier behind `classify` nodes) and the demo month.
export {
  evaluateClassifier,
  generateTriageExamples,
  isTriageError,
  listTriageModels,
  loadClassifier,
  recordTriageLabel,
  saveTriageModel,
  trainClassifier,
  TriageError,
  TriageModel,
} from './triage/index.ts';
export type {
  Classifier,
  LabelledExample,
  StoredTriageModel,
  TriageEvaluation,
  TriageInput,
  TriageLabel,
  TriageResult,
} from './triage/index.ts';
export { planMonth } from './demo/month-plan.ts';
export type { PlannedEvent, PlannedOrder } from './demo/month-plan.ts';
export { ingestMonth, processMonth } from './demo/month-run.ts';
export type { MonthSummary } from './demo/month-run.ts';
