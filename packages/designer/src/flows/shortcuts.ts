/**
 * The editor's keyboard shortcuts: which key does what (`shortcutFor`), and the list the `?`
 * dialog shows. Canvas shortcuts apply only while the user is not typing in a field or an
 * expression editor, where the same keys keep their text-editing meaning.
 */

export type ShortcutId =
  | 'undo'
  | 'redo'
  | 'copy'
  | 'cut'
  | 'paste'
  | 'duplicate'
  | 'selectAll'
  | 'save'
  | 'fitView'
  | 'zoomIn'
  | 'zoomOut'
  | 'tidy'
  | 'help';

/** The parts of a keyboard event a shortcut depends on. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/**
 * The shortcut a key press means on the canvas, or `null`.
 *
 * ```ts
 * shortcutFor({ key: 'z', ctrlKey: true, shiftKey: true, metaKey: false, altKey: false }); // 'redo'
 * ```
 */
export function shortcutFor(press: KeyPress): ShortcutId | null {
  if (press.altKey) return null;
  const key = press.key.toLowerCase();
  if (press.ctrlKey || press.metaKey) {
    switch (key) {
      case 'z':
        return press.shiftKey ? 'redo' : 'undo';
      case 'y':
        return 'redo';
      case 'c':
        return 'copy';
      case 'x':
        return 'cut';
      case 'v':
        return 'paste';
      case 'd':
        return 'duplicate';
      case 'a':
        return 'selectAll';
      case 's':
        return 'save';
      default:
        return null;
    }
  }
  if (press.key === '?') return 'help';
  if (press.key === '+' || press.key === '=') return 'zoomIn';
  if (press.key === '-') return 'zoomOut';
  if (key === 'f' && !press.shiftKey) return 'fitView';
  if (key === 'l' && press.shiftKey) return 'tidy';
  return null;
}

export interface ShortcutHelp {
  keys: string[];
  action: string;
}

/** What the `?` dialog lists, grouped. `Mod` reads as ⌘ on a Mac and Ctrl elsewhere. */
export const shortcutHelp: readonly { title: string; items: readonly ShortcutHelp[] }[] = [
  {
    title: 'Editing',
    items: [
      { keys: ['Mod', 'Z'], action: 'Undo' },
      { keys: ['Mod', 'Shift', 'Z'], action: 'Redo (also Mod+Y)' },
      { keys: ['Mod', 'C'], action: 'Copy the selected steps' },
      { keys: ['Mod', 'X'], action: 'Cut the selected steps' },
      { keys: ['Mod', 'V'], action: 'Paste (new ids, connections between copied steps kept)' },
      { keys: ['Mod', 'D'], action: 'Duplicate the selected steps' },
      { keys: ['Delete'], action: 'Delete the selection (also Backspace)' },
      { keys: ['Mod', 'S'], action: 'Save the draft' },
    ],
  },
  {
    title: 'Selection',
    items: [
      { keys: ['Tab'], action: 'Move focus between steps and connections' },
      { keys: ['Enter'], action: 'Select the focused step (palette: add the step)' },
      { keys: ['Shift', 'Click'], action: 'Add to the selection' },
      { keys: ['Shift', 'Drag'], action: 'Select with a box' },
      { keys: ['Mod', 'A'], action: 'Select every step' },
      { keys: ['←', '↑', '→', '↓'], action: 'Move the selected steps' },
      { keys: ['Esc'], action: 'Clear the selection, close a dialog' },
    ],
  },
  {
    title: 'View',
    items: [
      { keys: ['F'], action: 'Zoom to fit' },
      { keys: ['+'], action: 'Zoom in' },
      { keys: ['-'], action: 'Zoom out' },
      { keys: ['Shift', 'L'], action: 'Tidy up (automatic layout)' },
      { keys: ['?'], action: 'Show these shortcuts' },
    ],
  },
];

/** Whether keys typed at `target` belong to a text field or editor rather than the canvas. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target.closest('input, textarea, select, .monaco-editor, [role="dialog"]') !== null
  );
}
