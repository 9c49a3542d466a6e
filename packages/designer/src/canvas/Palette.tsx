import type { FlowNodeType } from '@waybill/shared';
import type { DragEvent, ReactElement } from 'react';
import { nodeKinds } from '../model/node-kinds.ts';
import { KindIcon } from './KindIcon.tsx';

/** The drag payload type used between the palette and the canvas. */
export const PALETTE_MIME = 'application/x-waybill-node-kind';

interface PaletteProps {
  /** Adds a node of `kind` in the middle of the visible canvas. */
  onAdd: (kind: FlowNodeType) => void;
}

/** Node kinds to click (or press Enter on) to add, or drag onto the canvas. */
export function Palette({ onAdd }: PaletteProps): ReactElement {
  const onDragStart = (event: DragEvent<HTMLButtonElement>, kind: FlowNodeType): void => {
    event.dataTransfer.setData(PALETTE_MIME, kind);
    event.dataTransfer.effectAllowed = 'move';
  };
  return (
    <nav className="palette" aria-label="Node palette">
      <h2 className="panel-title">Add a step</h2>
      <ul>
        {nodeKinds.map((info) => (
          <li key={info.kind}>
            <button
              type="button"
              className={`palette__item wb-kind--${info.kind}`}
              data-testid={`palette-${info.kind}`}
              draggable
              onDragStart={(e) => onDragStart(e, info.kind)}
              onClick={() => onAdd(info.kind)}
              title={`${info.description} Click to add, or drag onto the canvas.`}
            >
              <span className="palette__icon" aria-hidden="true">
                <KindIcon kind={info.kind} />
              </span>
              <span className="palette__text">
                <span className="palette__label">{info.label}</span>
                <span className="palette__description">{info.description}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
