import type { ReactElement } from 'react';
import { shortcutHelp } from '../flows/shortcuts.ts';
import { Modal } from './Modal.tsx';

const isMac = /Mac|iPhone|iPad/.test(navigator.userAgent);

function keyLabel(key: string): string {
  if (key === 'Mod') return isMac ? '⌘' : 'Ctrl';
  return key;
}

/** The `?` dialog: every keyboard shortcut of the editor, grouped. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }): ReactElement {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} testId="shortcuts-dialog" wide>
      <div className="shortcuts">
        {shortcutHelp.map((group) => (
          <section key={group.title} className="shortcuts__group">
            <h3>{group.title}</h3>
            <dl>
              {group.items.map((item) => (
                <div key={item.action} className="shortcuts__row">
                  <dt>
                    {item.keys.map((key, i) => (
                      <span key={i}>
                        {i > 0 && item.keys.length > 1 && !key.match(/^[←↑→↓]$/) && (
                          <span className="shortcuts__plus">+</span>
                        )}
                        <kbd>{keyLabel(key)}</kbd>
                      </span>
                    ))}
                  </dt>
                  <dd>{item.action.replace('Mod+', `${keyLabel('Mod')}+`)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Modal>
  );
}
