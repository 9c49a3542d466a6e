import type { FlowNode } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { editGroup } from './edit-group.ts';
import { shortcutFor } from './shortcuts.ts';

describe('editGroup', () => {
  const node: FlowNode = { id: 'done', type: 'end', outcome: 'invoiced', name: 'Done' };

  it('names the node and the fields an edit changed', () => {
    expect(editGroup(node, { ...node, name: 'Invoiced' })).toBe('node:done:name');
    expect(editGroup(node, { ...node, name: 'X', outcome: 'y' })).toBe('node:done:name,outcome');
    expect(editGroup({ name: 'a', variables: [] }, { name: 'a', variables: [1] }, 'flow')).toBe(
      'flow:variables',
    );
  });
});

describe('shortcutFor', () => {
  const press = (
    key: string,
    mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {},
  ) =>
    shortcutFor({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

  it('maps the editing shortcuts with Ctrl or ⌘', () => {
    expect(press('z', { ctrlKey: true })).toBe('undo');
    expect(press('Z', { metaKey: true, shiftKey: true })).toBe('redo');
    expect(press('y', { ctrlKey: true })).toBe('redo');
    expect(press('c', { ctrlKey: true })).toBe('copy');
    expect(press('v', { metaKey: true })).toBe('paste');
    expect(press('s', { ctrlKey: true })).toBe('save');
  });

  it('maps the view shortcuts without modifiers and ignores other keys', () => {
    expect(press('?', { shiftKey: true })).toBe('help');
    expect(press('f')).toBe('fitView');
    expect(press('L', { shiftKey: true })).toBe('tidy');
    expect(press('l')).toBeNull();
    expect(press('z')).toBeNull();
    expect(press('c', { ctrlKey: true, altKey: true })).toBeNull();
  });
});
