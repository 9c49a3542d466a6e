/** The flow editor: palette, canvas, properties, and the problems / instances / versions panel. */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import type { FlowNode, FlowNodeType, Problem } from '@waybill/shared';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.ts';
import type { ConnectorDescription } from '../api/client.ts';
import { FlowCanvas } from '../canvas/FlowCanvas.tsx';
import { Palette } from '../canvas/Palette.tsx';
import { FlowInspector } from '../inspector/FlowInspector.tsx';
import { NodeInspector } from '../inspector/NodeInspector.tsx';
import { EdgeInspector, SelectionInspector } from '../inspector/SelectionInspector.tsx';
import { autoLayout } from '../model/auto-layout.ts';
import {
  addNode,
  deleteElements,
  emptySelection,
  freePosition,
  measuredSizes,
  replaceEdge,
  replaceNode,
} from '../model/definition-graph.ts';
import type { Selection } from '../model/definition-graph.ts';
import { InstancesPanel } from '../panels/InstancesPanel.tsx';
import { ProblemsPanel } from '../panels/ProblemsPanel.tsx';
import { PublishDialog } from '../panels/PublishDialog.tsx';
import { VersionsPanel } from '../panels/VersionsPanel.tsx';
import { formatRelative } from '../panels/format.ts';
import { TopBar } from '../ui/TopBar.tsx';
import { ShortcutsDialog } from '../ui/ShortcutsDialog.tsx';
import { Toasts, useToasts } from '../ui/toasts.tsx';
import { ExportButtons } from '../bpmn/BpmnActions.tsx';
import { Workbench, WorkbenchButtons } from '../overlay/Workbench.tsx';
import type { WorkbenchMode } from '../overlay/Workbench.tsx';
import { useAutosave } from '../versions/use-autosave.ts';
import { editGroup } from './edit-group.ts';
import { useEditorCommands } from './use-editor-commands.ts';
import { useFlowDocument } from './use-flow-document.ts';
import type { FlowDocument } from './use-flow-document.ts';

type Tab = 'problems' | 'instances' | 'versions';

function SaveStatus({ doc }: { doc: FlowDocument }): ReactElement {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  let text: string;
  let tone: string;
  if (doc.save.kind === 'saving') {
    text = 'Saving…';
    tone = 'busy';
  } else if (doc.save.kind === 'failed') {
    text = `Save failed: ${doc.save.message}`;
    tone = 'error';
  } else if (doc.dirty) {
    text = 'Unsaved changes';
    tone = 'dirty';
  } else if (doc.save.kind === 'saved') {
    text = `Saved ${formatRelative(doc.save.at)}`;
    tone = 'saved';
  } else {
    text = 'No draft changes';
    tone = 'saved';
  }
  return (
    <span
      className={`save-status save-status--${tone}`}
      data-testid="save-status"
      data-state={tone}
      role="status"
    >
      {text}
    </span>
  );
}

function Editor({ flowKey }: { flowKey: string }): ReactElement {
  const doc = useFlowDocument(flowKey);
  const { definition, problems } = doc;
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [tab, setTab] = useState<Tab>('problems');
  const [panelOpen, setPanelOpen] = useState(true);
  const [connectors, setConnectors] = useState<ConnectorDescription[] | null>(null);
  const [publishOpen, setPublishOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [watched, setWatched] = useState<{ id: string; nodes: ReadonlySet<string> } | null>(null);
  // Diff, simulation and live overlay replace the canvas; their panel takes the properties column.
  const [mode, setMode] = useState<WorkbenchMode | null>(null);
  const [sideColumn, setSideColumn] = useState<HTMLElement | null>(null);
  useAutosave(doc);
  const { toasts, push, dismiss } = useToasts();
  const canvasRef = useRef<HTMLDivElement>(null);
  const flow = useReactFlow();

  useEffect(() => {
    api.connectors.list
      .query()
      .then(setConnectors)
      .catch(() => setConnectors([]));
  }, []);

  const save = useCallback(async () => {
    const ok = await doc.saveDraft();
    if (!ok) push('error', 'The draft was not saved.');
  }, [doc, push]);

  // Leaving with unsaved changes (closing the tab, or a link back to the list) asks first.
  useEffect(() => {
    if (!doc.dirty) return undefined;
    const onLeave = (e: BeforeUnloadEvent): void => e.preventDefault();
    const onLink = (e: MouseEvent): void => {
      const link = e.target instanceof Element ? e.target.closest('a[href^="#/"]') : null;
      if (link && !window.confirm('This flow has unsaved changes. Leave without saving?'))
        e.preventDefault();
    };
    window.addEventListener('beforeunload', onLeave);
    document.addEventListener('click', onLink, { capture: true });
    return () => {
      window.removeEventListener('beforeunload', onLeave);
      document.removeEventListener('click', onLink, { capture: true });
    };
  }, [doc.dirty]);

  const selectedNode = useMemo(() => {
    if (!definition || selection.nodes.length !== 1) return null;
    return definition.nodes.find((n) => n.id === selection.nodes[0]) ?? null;
  }, [definition, selection]);
  const selectedEdge = useMemo(() => {
    if (!definition || selection.edges.length !== 1) return null;
    return definition.edges.find((e) => e.id === selection.edges[0]) ?? null;
  }, [definition, selection]);

  const addAtCentre = useCallback(
    (kind: FlowNodeType) => {
      if (!definition) return;
      const rect = canvasRef.current?.getBoundingClientRect();
      const centre = rect
        ? flow.screenToFlowPosition({
            x: rect.left + rect.width / 2,
            y: rect.top + rect.height / 2,
          })
        : { x: 0, y: 0 };
      const sizes = measuredSizes(flow.getNodes());
      const position = freePosition(definition, { x: centre.x - 100, y: centre.y - 48 }, sizes);
      const result = addNode(definition, kind, position);
      doc.update(() => result.definition);
      setSelection({ nodes: [result.nodeId], edges: [] });
    },
    [definition, doc, flow],
  );

  const focusProblem = useCallback(
    (problem: Problem) => {
      if (problem.nodeId) {
        setSelection({ nodes: [problem.nodeId], edges: [] });
        const node = flow.getNode(problem.nodeId);
        if (node) {
          const width = node.measured?.width ?? 200;
          const height = node.measured?.height ?? 90;
          void flow.setCenter(node.position.x + width / 2, node.position.y + height / 2, {
            zoom: Math.max(flow.getZoom(), 0.9),
            duration: 300,
          });
        }
      } else if (problem.edgeId) {
        setSelection({ nodes: [], edges: [problem.edgeId] });
      } else {
        setSelection(emptySelection);
      }
    },
    [flow],
  );

  const tidy = useCallback(async () => {
    if (!definition) return;
    const laidOut = await autoLayout(definition, measuredSizes(flow.getNodes()));
    doc.update(() => laidOut);
    window.requestAnimationFrame(
      () => void flow.fitView({ padding: 0.2, duration: 300, maxZoom: 1.1 }),
    );
  }, [definition, doc, flow]);

  const commands = useEditorCommands({
    doc,
    selection,
    setSelection,
    save,
    tidy,
    openHelp: () => setHelpOpen(true),
    blocked: publishOpen || helpOpen,
  });

  const publish = useCallback(
    async (note: string) => {
      const version = await doc.publish(note);
      if (version !== null) {
        setPublishOpen(false);
        push('success', `Published version ${version}.`);
        setTab('versions');
        setPanelOpen(true);
      }
    },
    [doc, push],
  );

  if (doc.status !== 'ready' || !definition || !doc.detail) {
    return (
      <div className="page">
        <TopBar crumbs={<a href="#/">Flows</a>} />
        <div className="page-message" data-testid="editor-status">
          {doc.status === 'loading' && <p>Loading {flowKey}…</p>}
          {doc.status === 'missing' && (
            <p>
              There is no flow <code>{flowKey}</code>. <a href="#/">Back to the flow list</a>
            </p>
          )}
          {doc.status === 'failed' && (
            <p className="field-error" role="alert">
              Could not open {flowKey}: {doc.loadError}
            </p>
          )}
        </div>
      </div>
    );
  }

  const versions = doc.detail.versions;
  const latest = versions.reduce<number | null>(
    (max, v) => (max === null || v.version > max ? v.version : max),
    null,
  );
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;

  return (
    <div className="page page--editor">
      <TopBar
        crumbs={
          <>
            <a href="#/">Flows</a>
            <span aria-hidden="true">/</span>
            <h1 className="crumb-current" data-testid="flow-title">
              {definition.name}
            </h1>
            <code className="key-chip">{definition.key}</code>
            {latest !== null ? (
              <span className="badge badge--version" data-testid="latest-version">
                v{latest}
              </span>
            ) : (
              <span className="badge">unpublished</span>
            )}
          </>
        }
      >
        <SaveStatus doc={doc} />
        <WorkbenchButtons mode={mode} latestVersion={latest} onMode={setMode} />
        <ExportButtons definition={definition} />
        <div className="btn-group" role="group" aria-label="History">
          <button
            type="button"
            className="btn btn--ghost btn--icon"
            onClick={doc.undo}
            disabled={!doc.canUndo}
            data-testid="undo-button"
            aria-label="Undo"
            title="Undo (Ctrl+Z)"
          >
            ↶
          </button>
          <button
            type="button"
            className="btn btn--ghost btn--icon"
            onClick={doc.redo}
            disabled={!doc.canRedo}
            data-testid="redo-button"
            aria-label="Redo"
            title="Redo (Ctrl+Shift+Z)"
          >
            ↷
          </button>
        </div>
        <button
          type="button"
          className="btn btn--ghost btn--icon"
          onClick={() => setHelpOpen(true)}
          data-testid="shortcuts-button"
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
        <button
          type="button"
          className="btn btn--ghost"
          onClick={() => void tidy()}
          data-testid="layout-button"
          title="Arrange the flow left to right"
        >
          Tidy up
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => void save()}
          disabled={doc.save.kind === 'saving'}
          data-testid="save-button"
          title="Save draft (Ctrl+S)"
        >
          Save
          <kbd>{saveShortcut}</kbd>
        </button>
        <button
          type="button"
          className="btn btn--primary"
          onClick={() => {
            doc.resetPublish();
            setPublishOpen(true);
          }}
          data-testid="publish-button"
        >
          Publish…
        </button>
      </TopBar>
      <main className="editor" aria-label="Flow editor">
        <Palette onAdd={addAtCentre} />
        <div className="editor__centre">
          <div className="editor__canvas" ref={canvasRef}>
            {mode ? (
              <Workbench
                mode={mode}
                flowKey={flowKey}
                definition={definition}
                versions={versions}
                side={sideColumn}
                onMode={setMode}
                onOpenInstance={(id, nodes) => {
                  setMode(null);
                  setWatched({ id, nodes: new Set(nodes) });
                  setTab('instances');
                  setPanelOpen(true);
                }}
              />
            ) : (
              <FlowCanvas
                definition={definition}
                problems={problems}
                selection={selection}
                activeNodes={watched?.nodes ?? emptySet}
                onChange={doc.update}
                onSelectionChange={setSelection}
              />
            )}
          </div>
          <section
            className={`bottom-panel${panelOpen ? '' : ' is-collapsed'}`}
            aria-label="Flow details"
          >
            <div className="tabs">
              <div className="tabs__list" role="tablist" aria-label="Flow details">
                {(
                  [
                    ['problems', 'Problems'],
                    ['instances', 'Instances'],
                    ['versions', 'Versions'],
                  ] as const
                ).map(([id, label]) => (
                  <button
                    key={id}
                    type="button"
                    role="tab"
                    aria-selected={tab === id}
                    className={`tab${tab === id ? ' is-active' : ''}`}
                    data-testid={`tab-${id}`}
                    onClick={() => {
                      setTab(id);
                      setPanelOpen(true);
                    }}
                  >
                    {label}
                    {id === 'problems' && errors > 0 && (
                      <span className="count count--error">{errors}</span>
                    )}
                    {id === 'problems' && warnings > 0 && (
                      <span className="count count--warning">{warnings}</span>
                    )}
                    {id === 'versions' && versions.length > 0 && (
                      <span className="count">{versions.length}</span>
                    )}
                  </button>
                ))}
              </div>
              <span className="tabs__spacer" />
              {doc.validating && <span className="muted small">checking…</span>}
              <button
                type="button"
                className="icon-btn"
                aria-label={panelOpen ? 'Collapse panel' : 'Expand panel'}
                aria-expanded={panelOpen}
                onClick={() => setPanelOpen((o) => !o)}
              >
                {panelOpen ? '▾' : '▴'}
              </button>
            </div>
            {panelOpen && (
              <div className="bottom-panel__body" role="tabpanel">
                {tab === 'problems' && (
                  <ProblemsPanel
                    problems={problems}
                    validating={doc.validating}
                    onSelect={focusProblem}
                  />
                )}
                {tab === 'instances' && (
                  <InstancesPanel
                    flowKey={flowKey}
                    selectedId={watched?.id ?? null}
                    onSelect={(id, nodes) => setWatched(id ? { id, nodes: new Set(nodes) } : null)}
                  />
                )}
                {tab === 'versions' && (
                  <VersionsPanel
                    versions={versions}
                    onCompare={(from, to) => setMode({ kind: 'diff', from, to })}
                  />
                )}
              </div>
            )}
          </section>
        </div>
        <aside className="editor__inspector" aria-label="Properties" ref={setSideColumn}>
          {mode ? null : selectedNode ? (
            <NodeInspector
              key={selectedNode.id}
              node={selectedNode}
              definition={definition}
              problems={problems.filter((p) => p.nodeId === selectedNode.id)}
              connectors={connectors}
              onChange={(next: FlowNode) =>
                doc.update((d) => replaceNode(d, next), {
                  group: editGroup(selectedNode, next),
                })
              }
              onDelete={() => {
                doc.update((d) => deleteElements(d, { nodes: [selectedNode.id] }));
                setSelection(emptySelection);
              }}
            />
          ) : selectedEdge && selection.nodes.length === 0 ? (
            <EdgeInspector
              key={selectedEdge.id}
              definition={definition}
              edge={selectedEdge}
              onChange={(next) =>
                doc.update((d) => replaceEdge(d, next), { group: `edge:${next.id}` })
              }
              onDelete={commands.deleteSelection}
            />
          ) : selection.nodes.length + selection.edges.length > 1 ? (
            <SelectionInspector
              definition={definition}
              selection={selection}
              onCopy={commands.copy}
              onDuplicate={commands.duplicate}
              onDelete={commands.deleteSelection}
              onSelectNode={(id) => setSelection({ nodes: [id], edges: [] })}
            />
          ) : (
            <FlowInspector
              definition={definition}
              problems={problems}
              onChange={(next) =>
                doc.update(() => next, { group: editGroup(definition, next, 'flow') })
              }
            />
          )}
        </aside>
      </main>
      {publishOpen && (
        <PublishDialog
          latestVersion={latest}
          dirty={doc.dirty}
          busy={doc.publishState.busy}
          blocking={doc.publishState.blocking}
          error={doc.publishState.error}
          onPublish={(note) => void publish(note)}
          onClose={() => setPublishOpen(false)}
          onShowProblem={(p) => {
            setPublishOpen(false);
            setTab('problems');
            setPanelOpen(true);
            focusProblem(p);
          }}
        />
      )}
      {helpOpen && <ShortcutsDialog onClose={() => setHelpOpen(false)} />}
      <Toasts toasts={toasts} dismiss={dismiss} />
    </div>
  );
}

const emptySet: ReadonlySet<string> = new Set();

const saveShortcut = /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘S' : 'Ctrl+S';

/** The editor for one flow, at `#/flows/<key>`. */
export function FlowEditorPage({ flowKey }: { flowKey: string }): ReactElement {
  return (
    <ReactFlowProvider>
      <Editor key={flowKey} flowKey={flowKey} />
    </ReactFlowProvider>
  );
}
