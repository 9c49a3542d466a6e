/**
 * The read-only views that take the canvas's place: the version diff, the simulator and the
 * live overlay. Each draws its own canvas and puts its panel where the properties usually are.
 */
import type { FlowDefinition } from '@waybill/shared';
import type { ReactElement } from 'react';
import type { FlowVersionInfo } from '../api/client.ts';
import { SimulationView } from '../simulation/SimulationView.tsx';
import { VersionDiffView } from '../versions/VersionDiffView.tsx';
import type { VersionRef } from '../versions/VersionDiffView.tsx';
import { OverlayView } from './OverlayView.tsx';

export type WorkbenchMode =
  | { kind: 'diff'; from: VersionRef; to: VersionRef }
  | { kind: 'simulate' }
  | { kind: 'overlay'; version: number };

interface WorkbenchProps {
  mode: WorkbenchMode;
  flowKey: string;
  definition: FlowDefinition;
  versions: readonly FlowVersionInfo[];
  /** Where the view's panel goes (the properties column). */
  side: HTMLElement | null;
  onMode: (mode: WorkbenchMode | null) => void;
  onOpenInstance: (id: string, nodes: readonly string[]) => void;
}

export function Workbench(props: WorkbenchProps): ReactElement {
  const { mode, flowKey, definition, side, onMode } = props;
  const close = (): void => onMode(null);
  switch (mode.kind) {
    case 'diff':
      return (
        <VersionDiffView
          flowKey={flowKey}
          versions={props.versions}
          draft={definition}
          from={mode.from}
          to={mode.to}
          side={side}
          onChange={(from, to) => onMode({ kind: 'diff', from, to })}
          onClose={close}
        />
      );
    case 'simulate':
      return (
        <SimulationView flowKey={flowKey} definition={definition} side={side} onClose={close} />
      );
    case 'overlay':
      return (
        <OverlayView
          flowKey={flowKey}
          version={mode.version}
          side={side}
          onClose={close}
          onOpenInstance={props.onOpenInstance}
        />
      );
  }
}

interface WorkbenchButtonsProps {
  mode: WorkbenchMode | null;
  latestVersion: number | null;
  onMode: (mode: WorkbenchMode | null) => void;
}

/** Toolbar buttons that open the simulator and the live overlay. */
export function WorkbenchButtons({
  mode,
  latestVersion,
  onMode,
}: WorkbenchButtonsProps): ReactElement {
  return (
    <>
      <button
        type="button"
        className="btn btn--ghost"
        aria-pressed={mode?.kind === 'simulate'}
        onClick={() => onMode(mode?.kind === 'simulate' ? null : { kind: 'simulate' })}
        data-testid="simulate-button"
        title="Run the flow here against scripted events"
      >
        Simulate
      </button>
      <button
        type="button"
        className="btn btn--ghost"
        aria-pressed={mode?.kind === 'overlay'}
        disabled={latestVersion === null}
        onClick={() =>
          onMode(
            mode?.kind === 'overlay' || latestVersion === null
              ? null
              : { kind: 'overlay', version: latestVersion },
          )
        }
        data-testid="overlay-button"
        title={
          latestVersion === null
            ? 'Publish the flow to see its instances'
            : 'Instances waiting and time per node'
        }
      >
        Live
      </button>
    </>
  );
}
