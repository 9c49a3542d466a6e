/**
 * Compiled machines per published version. Versions are immutable, so a machine compiled once
 * stays valid for the life of the process.
 * @module
 */
import type { Kysely } from 'kysely';
import {
  compile,
  flowDefinitionSchema,
  type FlowDefinition,
  type FlowMachine,
  type FlowSnapshot,
} from '@waybill/shared';
import type { Database } from '../db/schema.ts';

export interface CompiledVersion {
  key: string;
  version: number;
  definition: FlowDefinition;
  machine: FlowMachine;
}

/**
 * Caches compiled machines by `(key, version)`.
 *
 * ```ts
 * const machines = new MachineCache();
 * const { machine } = await machines.get(db, 'billing-readiness', 3);
 * ```
 */
export class MachineCache {
  readonly #entries = new Map<string, CompiledVersion>();

  async get(db: Kysely<Database>, key: string, version: number): Promise<CompiledVersion> {
    const cacheKey = `${key}@${version}`;
    const cached = this.#entries.get(cacheKey);
    if (cached) return cached;
    const row = await db
      .selectFrom('flow_versions')
      .select('definition')
      .where('key', '=', key)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    return this.put(key, version, row.definition);
  }

  /**
   * A version loaded before with {@link MachineCache.get}.
   * @throws Error when it was not loaded (a bug in the caller).
   */
  peek(key: string, version: number): CompiledVersion {
    const cached = this.#entries.get(`${key}@${version}`);
    if (!cached) throw new Error(`flow ${key}@${version} was not loaded`);
    return cached;
  }

  /** Compiles and caches a definition already read from `flow_versions`. */
  put(key: string, version: number, rawDefinition: unknown): CompiledVersion {
    const cacheKey = `${key}@${version}`;
    const cached = this.#entries.get(cacheKey);
    if (cached) return cached;
    const definition = flowDefinitionSchema.parse(rawDefinition);
    const entry = { key, version, definition, machine: compile(definition) };
    this.#entries.set(cacheKey, entry);
    return entry;
  }
}

/** The JSON form of a snapshot, as stored in `instances.snapshot`. */
export function persistSnapshot(machine: FlowMachine, snapshot: FlowSnapshot): unknown {
  return machine.getPersistedSnapshot(snapshot);
}

/** Rebuilds a snapshot from its stored JSON form. */
export function restoreSnapshot(machine: FlowMachine, persisted: unknown): FlowSnapshot {
  // The column holds what persistSnapshot() wrote for this very machine version; XState's
  // resolveState validates the state value against the machine.
  return machine.resolveState(persisted as Parameters<FlowMachine['resolveState']>[0]);
}
