/**
 * Undo and redo for the open definition, as a pure value. Every edit records the definition it
 * replaced; a run of edits in the same `group` (one drag of a node, typing in one field) within a
 * short pause becomes a single step, so Ctrl+Z undoes a gesture rather than a pixel or a letter.
 *
 * Saving does not touch the history: a user can save, then undo past the save.
 */

export interface EditHistory<TState> {
  /** States before the present, oldest first. */
  readonly past: readonly TState[];
  /** States undone, the next redo last. */
  readonly future: readonly TState[];
  /** The group of the last recorded edit, to merge the next edit of the same gesture. */
  readonly lastGroup: string | null;
  /** When the last edit was recorded (ms), to end a group after a pause. */
  readonly lastAt: number;
}

/** How many steps back the user can go. */
export const HISTORY_LIMIT = 200;
/** Edits of the same group further apart than this are separate steps. */
export const GROUP_PAUSE_MS = 800;

/** A history with nothing to undo or redo. */
export function emptyHistory<TState>(): EditHistory<TState> {
  return { past: [], future: [], lastGroup: null, lastAt: 0 };
}

export interface RecordOptions {
  /** Edits of one gesture share a group, e.g. `move:decision_1` or `node:gate.conditions`. */
  group?: string | undefined;
  /** The time of the edit in ms (passed in so the function stays pure). */
  at: number;
}

/**
 * Records that the present state `before` is being replaced by an edit.
 *
 * ```ts
 * let history = emptyHistory<FlowDefinition>();
 * history = recordEdit(history, definition, { at: Date.now() });
 * ```
 */
export function recordEdit<TState>(
  history: EditHistory<TState>,
  before: TState,
  options: RecordOptions,
): EditHistory<TState> {
  const group = options.group ?? null;
  const continues =
    group !== null &&
    group === history.lastGroup &&
    options.at - history.lastAt <= GROUP_PAUSE_MS &&
    history.past.length > 0 &&
    history.future.length === 0;
  if (continues) return { ...history, lastAt: options.at };
  const past = [...history.past, before];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, future: [], lastGroup: group, lastAt: options.at };
}

/**
 * Steps back: returns the state to show and the new history, or `null` when there is nothing
 * to undo.
 *
 * ```ts
 * const step = undo(history, definition);
 * if (step) ({ history, present: definition } = step);
 * ```
 */
export function undo<TState>(
  history: EditHistory<TState>,
  present: TState,
): { history: EditHistory<TState>; present: TState } | null {
  const previous = history.past.at(-1);
  if (previous === undefined) return null;
  return {
    present: previous,
    history: {
      past: history.past.slice(0, -1),
      future: [...history.future, present],
      lastGroup: null,
      lastAt: 0,
    },
  };
}

/** Steps forward again after an undo; `null` when there is nothing to redo. */
export function redo<TState>(
  history: EditHistory<TState>,
  present: TState,
): { history: EditHistory<TState>; present: TState } | null {
  const next = history.future.at(-1);
  if (next === undefined) return null;
  return {
    present: next,
    history: {
      past: [...history.past, present],
      future: history.future.slice(0, -1),
      lastGroup: null,
      lastAt: 0,
    },
  };
}
