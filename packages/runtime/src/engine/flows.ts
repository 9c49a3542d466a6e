/**
 * Flows and their versions: drafts the designer saves freely, and immutable published versions
 * that instances pin. Publishing validates against the deployment's connector catalogue.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import {
  flowDefinitionSchema,
  hasErrors,
  validate,
  type ConnectorCatalogEntry,
  type FlowCatalogEntry,
  type FlowDefinition,
  type Problem,
} from '@waybill/shared';
import { jsonb, type Database } from '../db/schema.ts';
import { canonicalJson, iso, isRecord, sha256Hex } from '../util.ts';
import { RuntimeError } from './runtime.error.ts';

export interface CatalogueOption {
  /** The connectors this deployment can call; connector nodes are checked against it. */
  catalogue?: readonly ConnectorCatalogEntry[] | undefined;
}

export interface FlowListItem {
  key: string;
  name: string;
  description: string | null;
  draftUpdatedAt: string | null;
  latestVersion: number | null;
  publishedAt: string | null;
  runningInstances: number;
  completedInstances: number;
}

export interface FlowVersionInfo {
  version: number;
  publishedAt: string;
  note: string | null;
  publishedBy: string;
}

export interface FlowDetail {
  key: string;
  name: string;
  /** The draft if there is one, else the latest published definition. */
  definition: unknown;
  draftUpdatedAt: string | null;
  problems: Problem[];
  versions: FlowVersionInfo[];
}

/** The checksum of a definition: sha256 of its canonical JSON, without the `version` field. */
export function definitionChecksum(definition: unknown): string {
  const withoutVersion = isRecord(definition)
    ? Object.fromEntries(Object.entries(definition).filter(([k]) => k !== 'version'))
    : definition;
  return sha256Hex(canonicalJson(withoutVersion));
}

/**
 * The draft a new flow starts with: a start node connected to an end node.
 *
 * ```ts
 * initialDraft('credit-hold', 'Credit hold'); // { key: 'credit-hold', nodes: [start, end], edges: [start→end], … }
 * ```
 */
export function initialDraft(
  key: string,
  name: string,
  description?: string,
): Record<string, unknown> {
  return {
    schemaVersion: 1,
    key,
    name,
    ...(description ? { description } : {}),
    trigger: { event: 'order.released' },
    variables: [],
    events: [],
    parameters: [],
    nodes: [
      { id: 'start', type: 'start', name: 'Start', position: { x: 0, y: 0 } },
      { id: 'end', type: 'end', name: 'End', outcome: 'completed', position: { x: 320, y: 0 } },
    ],
    edges: [{ id: 'start-end', source: 'start', target: 'end' }],
  };
}

/**
 * Creates a flow with an initial draft.
 *
 * ```ts
 * await createFlow(db, { key: 'credit-hold', name: 'Credit hold' });
 * ```
 * @throws RuntimeError `FLOW_EXISTS`
 */
export async function createFlow(
  db: Kysely<Database>,
  input: { key: string; name: string; description?: string | undefined; actor?: string },
): Promise<{ key: string }> {
  const inserted = await db
    .insertInto('flows')
    .values({
      key: input.key,
      name: input.name,
      description: input.description ?? null,
      draft: jsonb(initialDraft(input.key, input.name, input.description)),
      draft_updated_at: new Date(),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  if (!inserted)
    throw new RuntimeError('FLOW_EXISTS', `A flow with key ${input.key} exists already.`);
  await db
    .insertInto('audit_log')
    .values({
      actor: input.actor ?? 'anonymous',
      kind: 'flow.created',
      flow_key: input.key,
      details: jsonb({ name: input.name }),
    })
    .execute();
  return { key: input.key };
}

/**
 * Saves a draft, problems and all (the designer saves work in progress).
 *
 * ```ts
 * const { problems } = await saveDraft(db, 'credit-hold', definition, { catalogue });
 * ```
 * @throws RuntimeError `FLOW_NOT_FOUND`, `FLOW_KEY_MISMATCH`
 */
export async function saveDraft(
  db: Kysely<Database>,
  key: string,
  definition: unknown,
  options: CatalogueOption & { actor?: string } = {},
): Promise<{ savedAt: string; problems: Problem[] }> {
  if (isRecord(definition) && definition.key !== undefined && definition.key !== key) {
    throw new RuntimeError(
      'FLOW_KEY_MISMATCH',
      `The definition's key ${JSON.stringify(definition.key)} differs from the flow key ${key}.`,
    );
  }
  const savedAt = new Date();
  const name =
    isRecord(definition) && typeof definition.name === 'string' && definition.name
      ? definition.name
      : null;
  const updated = await db
    .updateTable('flows')
    .set({ draft: jsonb(definition), draft_updated_at: savedAt, ...(name ? { name } : {}) })
    .where('key', '=', key)
    .returning('key')
    .executeTakeFirst();
  if (!updated) throw new RuntimeError('FLOW_NOT_FOUND', `No flow ${key}.`);
  return {
    savedAt: savedAt.toISOString(),
    problems: validate(definition, { connectors: options.catalogue ?? [] }),
  };
}

export interface PublishOptions extends CatalogueOption {
  note?: string | null | undefined;
  publishedBy: string;
}

/**
 * Every published flow with its versions, for checking subflow calls.
 *
 * ```ts
 * validate(definition, { flows: await publishedFlows(db) });
 * ```
 */
export async function publishedFlows(db: Kysely<Database>): Promise<FlowCatalogEntry[]> {
  const rows = await db
    .selectFrom('flow_versions')
    .select(['key', 'version'])
    .orderBy('key')
    .orderBy('version')
    .execute();
  const byKey = new Map<string, number[]>();
  for (const row of rows) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row.version]);
  return [...byKey].map(([key, versions]) => ({ key, versions }));
}

/**
 * Publishes the flow's draft as a new immutable version (max + 1) with an audit row.
 *
 * ```ts
 * const { version } = await publishFlow(db, 'billing-readiness', { publishedBy: 'ana', note: 'POD hold', catalogue });
 * ```
 * @throws RuntimeError `FLOW_NOT_FOUND`, `FLOW_NO_DRAFT`, `FLOW_INVALID` (with `problems`)
 */
export async function publishFlow(
  db: Kysely<Database>,
  key: string,
  options: PublishOptions,
): Promise<{ version: number; checksum: string }> {
  return db.transaction().execute(async (trx) => {
    // Lock the flow row: concurrent publishes of one flow get consecutive versions.
    const flow = await trx
      .selectFrom('flows')
      .select(['key', 'draft'])
      .where('key', '=', key)
      .forUpdate()
      .executeTakeFirst();
    if (!flow) throw new RuntimeError('FLOW_NOT_FOUND', `No flow ${key}.`);
    if (flow.draft === null)
      throw new RuntimeError('FLOW_NO_DRAFT', `Flow ${key} has no draft to publish.`);
    const problems = validate(flow.draft, {
      connectors: options.catalogue ?? [],
      flows: await publishedFlows(trx),
    });
    const parsed = flowDefinitionSchema.safeParse(flow.draft);
    if (hasErrors(problems) || !parsed.success) {
      const blocking = problems.filter((p) => p.severity === 'error');
      throw new RuntimeError(
        'FLOW_INVALID',
        `Flow ${key} has ${blocking.length} blocking problem(s).`,
        {
          problems: blocking,
        },
      );
    }
    if (parsed.data.key !== key) {
      throw new RuntimeError(
        'FLOW_KEY_MISMATCH',
        `The draft's key ${parsed.data.key} differs from the flow key ${key}.`,
      );
    }
    const latest = await trx
      .selectFrom('flow_versions')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('key', '=', key)
      .executeTakeFirst();
    const version = (latest?.max ?? 0) + 1;
    const definition: FlowDefinition = { ...parsed.data, version };
    const checksum = definitionChecksum(definition);
    await trx
      .insertInto('flow_versions')
      .values({
        key,
        version,
        definition: jsonb(definition),
        checksum,
        note: options.note ?? null,
        published_by: options.publishedBy,
      })
      .execute();
    await trx
      .insertInto('audit_log')
      .values({
        actor: options.publishedBy,
        kind: 'flow.published',
        flow_key: key,
        details: jsonb({ version, checksum, note: options.note ?? null }),
      })
      .execute();
    return { version, checksum };
  });
}

/**
 * Creates or updates a flow from a complete definition and publishes it (template deployment).
 * When the latest version has the same content, nothing new is published.
 *
 * ```ts
 * const { key, version, unchanged } = await deployFlow(db, definition, { publishedBy: 'templates', catalogue });
 * ```
 * @throws RuntimeError `FLOW_INVALID` (with `problems`)
 */
export async function deployFlow(
  db: Kysely<Database>,
  definition: unknown,
  options: PublishOptions,
): Promise<{ key: string; version: number; unchanged: boolean }> {
  const parsed = flowDefinitionSchema.safeParse(definition);
  if (!parsed.success) {
    const problems = validate(definition, { connectors: options.catalogue ?? [] });
    throw new RuntimeError('FLOW_INVALID', 'The definition is not a valid flow.', {
      problems: problems.filter((p) => p.severity === 'error'),
    });
  }
  const flow = parsed.data;
  const latest = await db
    .selectFrom('flow_versions')
    .select(['version', 'checksum'])
    .where('key', '=', flow.key)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (latest && latest.checksum === definitionChecksum({ ...flow, version: latest.version })) {
    return { key: flow.key, version: latest.version, unchanged: true };
  }
  const { version: _ignored, ...draft } = flow;
  await db
    .insertInto('flows')
    .values({
      key: flow.key,
      name: flow.name,
      description: flow.description ?? null,
      draft: jsonb(draft),
      draft_updated_at: new Date(),
    })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        name: flow.name,
        description: flow.description ?? null,
        draft: jsonb(draft),
        draft_updated_at: new Date(),
      }),
    )
    .execute();
  const { version } = await publishFlow(db, flow.key, options);
  return { key: flow.key, version, unchanged: false };
}

/**
 * Every flow with its latest version and instance counts.
 *
 * ```ts
 * for (const f of await listFlows(db)) console.log(f.key, f.latestVersion, f.runningInstances);
 * ```
 */
export async function listFlows(db: Kysely<Database>): Promise<FlowListItem[]> {
  const rows = await sql<{
    key: string;
    name: string;
    description: string | null;
    draft_updated_at: Date | null;
    latest_version: number | null;
    published_at: Date | null;
    running: number;
    completed: number;
  }>`
    select f.key, f.name, f.description, f.draft_updated_at,
      v.version as latest_version, v.published_at,
      (select count(*) from instances i where i.flow_key = f.key and i.status = 'running')::int as running,
      (select count(*) from instances i where i.flow_key = f.key and i.status = 'completed')::int as completed
    from flows f
    left join lateral (
      select version, published_at from flow_versions fv where fv.key = f.key order by version desc limit 1
    ) v on true
    order by f.key
  `.execute(db);
  return rows.rows.map((r) => ({
    key: r.key,
    name: r.name,
    description: r.description,
    draftUpdatedAt: iso(r.draft_updated_at),
    latestVersion: r.latest_version,
    publishedAt: iso(r.published_at),
    runningInstances: r.running,
    completedInstances: r.completed,
  }));
}

/**
 * One flow: its draft (or latest published definition), problems and version list.
 *
 * ```ts
 * const flow = await getFlow(db, 'billing-readiness', { catalogue });
 * ```
 * @throws RuntimeError `FLOW_NOT_FOUND`
 */
export async function getFlow(
  db: Kysely<Database>,
  key: string,
  options: CatalogueOption = {},
): Promise<FlowDetail> {
  const flow = await db.selectFrom('flows').selectAll().where('key', '=', key).executeTakeFirst();
  if (!flow) throw new RuntimeError('FLOW_NOT_FOUND', `No flow ${key}.`);
  const versions = await db
    .selectFrom('flow_versions')
    .select(['version', 'published_at', 'note', 'published_by', 'definition'])
    .where('key', '=', key)
    .orderBy('version', 'desc')
    .execute();
  const definition = flow.draft ?? versions[0]?.definition ?? null;
  return {
    key: flow.key,
    name: flow.name,
    definition,
    draftUpdatedAt: iso(flow.draft_updated_at),
    problems:
      definition === null
        ? []
        : validate(definition, {
            connectors: options.catalogue ?? [],
            flows: await publishedFlows(db),
          }),
    versions: versions.map((v) => ({
      version: v.version,
      publishedAt: iso(v.published_at) ?? '',
      note: v.note,
      publishedBy: v.published_by,
    })),
  };
}

/**
 * One published version.
 *
 * ```ts
 * const { definition } = await getFlowVersion(db, 'billing-readiness', 2);
 * ```
 * @throws RuntimeError `VERSION_NOT_FOUND`
 */
export async function getFlowVersion(
  db: Kysely<Database>,
  key: string,
  version: number,
): Promise<{
  version: number;
  definition: FlowDefinition;
  publishedAt: string;
  note: string | null;
}> {
  const row = await db
    .selectFrom('flow_versions')
    .selectAll()
    .where('key', '=', key)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw new RuntimeError('VERSION_NOT_FOUND', `Flow ${key} has no version ${version}.`);
  return {
    version: row.version,
    definition: flowDefinitionSchema.parse(row.definition),
    publishedAt: iso(row.published_at) ?? '',
    note: row.note,
  };
}
