import { useEffect, useId, useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent, ReactElement, ReactNode } from 'react';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  /** Wider body for tables and lists. */
  wide?: boolean;
}

const focusable =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusableIn(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(focusable)].filter(
    (el) => el.offsetParent !== null || el === document.activeElement,
  );
}

/**
 * A centred dialog. Focus moves into it on open (to an `autoFocus` control, else the first
 * control), Tab and Shift+Tab stay inside it, Escape or a click on the backdrop closes it, and
 * focus returns to where it was when it closes.
 */
export function Modal({
  title,
  onClose,
  children,
  footer,
  testId,
  wide,
}: ModalProps): ReactElement {
  const titleId = useId();
  const dialog = useRef<HTMLDivElement>(null);
  // Read while rendering, before a control inside the dialog takes focus with autoFocus.
  const [opener] = useState(() =>
    document.activeElement instanceof HTMLElement ? document.activeElement : null,
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  useEffect(() => {
    const root = dialog.current;
    if (root && !root.contains(document.activeElement)) {
      const first =
        root.querySelector<HTMLElement>('[autofocus], [data-autofocus]') ??
        focusableIn(root).find((el) => !el.classList.contains('modal__close')) ??
        root;
      first.focus();
    }
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, [opener]);

  const trapTab = (e: ReactKeyboardEvent<HTMLDivElement>): void => {
    if (e.key !== 'Tab' || !dialog.current) return;
    const items = focusableIn(dialog.current);
    const first = items[0];
    const last = items.at(-1);
    if (!first || !last) {
      e.preventDefault();
      return;
    }
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog}
        className={`modal${wide ? ' modal--wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        tabIndex={-1}
        onKeyDown={trapTab}
      >
        <header className="modal__header">
          <h2 id={titleId}>{title}</h2>
          <button
            type="button"
            className="icon-btn modal__close"
            aria-label="Close"
            onClick={onClose}
          >
            ×
          </button>
        </header>
        <div className="modal__body">{children}</div>
        {footer && <footer className="modal__footer">{footer}</footer>}
      </div>
    </div>
  );
}

/**
 * The footer of a dialog holding a form: Cancel, and the button that submits the form `form`.
 *
 * ```tsx
 * <Modal title="New group" onClose={close} footer={<FormFooter form="group-form" onCancel={close}>Create group</FormFooter>}>
 * ```
 */
export function FormFooter({
  form,
  onCancel,
  disabled,
  testId,
  children,
}: {
  form: string;
  onCancel: () => void;
  disabled?: boolean;
  testId?: string;
  children: ReactNode;
}): ReactElement {
  return (
    <>
      <button type="button" className="btn btn--ghost" onClick={onCancel}>
        Cancel
      </button>
      <button
        type="submit"
        form={form}
        className="btn btn--primary"
        disabled={disabled}
        data-testid={testId}
      >
        {children}
      </button>
    </>
  );
}
