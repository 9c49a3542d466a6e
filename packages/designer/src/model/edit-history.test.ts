import { describe, expect, it } from 'vitest';
import {
  GROUP_PAUSE_MS,
  HISTORY_LIMIT,
  emptyHistory,
  recordEdit,
  redo,
  undo,
} from './edit-history.ts';

/** Applies edits the way the document hook does: record the state being replaced. */
function edit(
  state: { history: ReturnType<typeof emptyHistory<string>>; present: string },
  next: string,
  options: { group?: string; at: number },
): { history: ReturnType<typeof emptyHistory<string>>; present: string } {
  return { history: recordEdit(state.history, state.present, options), present: next };
}

describe('edit history', () => {
  it('undoes and redoes edits in order', () => {
    let state = { history: emptyHistory<string>(), present: 'a' };
    state = edit(state, 'b', { at: 1 });
    state = edit(state, 'c', { at: 2 });
    const back = undo(state.history, state.present);
    expect(back?.present).toBe('b');
    const back2 = undo(back!.history, back!.present);
    expect(back2?.present).toBe('a');
    expect(undo(back2!.history, back2!.present)).toBeNull();
    const forward = redo(back2!.history, back2!.present);
    expect(forward?.present).toBe('b');
    expect(redo(forward!.history, forward!.present)?.present).toBe('c');
  });

  it('merges a gesture of one group into one step, until a pause or another group', () => {
    let state = { history: emptyHistory<string>(), present: 'x0' };
    state = edit(state, 'x1', { group: 'move:a', at: 1000 });
    state = edit(state, 'x2', { group: 'move:a', at: 1100 });
    state = edit(state, 'x3', { group: 'move:a', at: 1200 });
    expect(undo(state.history, state.present)?.present).toBe('x0');

    state = edit(state, 'y', { group: 'move:a', at: 1200 + GROUP_PAUSE_MS + 1 });
    state = edit(state, 'z', { group: 'name', at: 1200 + GROUP_PAUSE_MS + 2 });
    expect(state.history.past).toEqual(['x0', 'x3', 'y']);
  });

  it('drops the redo stack when a new edit follows an undo', () => {
    let state = { history: emptyHistory<string>(), present: 'a' };
    state = edit(state, 'b', { at: 1 });
    const back = undo(state.history, state.present)!;
    state = edit(back, 'c', { at: 2 });
    expect(redo(state.history, state.present)).toBeNull();
    expect(undo(state.history, state.present)?.present).toBe('a');
  });

  it('keeps at most HISTORY_LIMIT steps, forgetting the oldest', () => {
    let state = { history: emptyHistory<string>(), present: 's0' };
    for (let i = 1; i <= HISTORY_LIMIT + 5; i += 1) state = edit(state, `s${i}`, { at: i });
    expect(state.history.past).toHaveLength(HISTORY_LIMIT);
    expect(state.history.past[0]).toBe('s5');
  });
});
