/**
 * Import and export: a BPMN 2.0 diagram (or a flow JSON file) becomes a new flow, with a report
 * of what was not imported; the open flow downloads as BPMN or JSON.
 */
import { exportBpmn, flowDefinitionSchema, importBpmn, isBpmnImportError } from '@waybill/shared';
import type { BpmnReportItem, FlowDefinition } from '@waybill/shared';
import { useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { toJsonDefinition } from '../model/coerce-definition.ts';
import { Modal } from '../ui/Modal.tsx';
import '../overlay/workbench.css';

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The Export menu of the open flow: BPMN 2.0 or flow JSON. */
export function ExportButtons({ definition }: { definition: FlowDefinition }): ReactElement {
  const menu = useRef<HTMLDetailsElement>(null);
  const done = (): void => menu.current?.removeAttribute('open');
  return (
    <details className="menu" ref={menu}>
      <summary className="btn btn--ghost" data-testid="export-menu">
        Export ▾
      </summary>
      <div className="menu__items">
        <button
          type="button"
          data-testid="export-bpmn"
          onClick={() => {
            download(`${definition.key}.bpmn`, 'application/xml', exportBpmn(definition));
            done();
          }}
        >
          BPMN 2.0 diagram
          <small>For Camunda Modeler, bpmn.io and other tools</small>
        </button>
        <button
          type="button"
          data-testid="export-json"
          onClick={() => {
            download(
              `${definition.key}.json`,
              'application/json',
              `${JSON.stringify(toJsonDefinition(definition), null, 2)}\n`,
            );
            done();
          }}
        >
          Flow JSON
          <small>The definition, as the CLI and templates read it</small>
        </button>
      </div>
    </details>
  );
}

interface Imported {
  file: string;
  definition: FlowDefinition;
  report: BpmnReportItem[];
}

function readDefinition(file: string, text: string): Imported {
  if (file.toLowerCase().endsWith('.json')) {
    const definition = flowDefinitionSchema.parse(JSON.parse(text));
    return { file, definition, report: [] };
  }
  return { file, ...importBpmn(text) };
}

/** "Import…": pick a .bpmn or .json file, review what maps, create the flow. */
export function ImportButton({ onImported }: { onImported: (key: string) => void }): ReactElement {
  const input = useRef<HTMLInputElement>(null);
  const [imported, setImported] = useState<Imported | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);

  const onFile = async (file: File): Promise<void> => {
    setError(null);
    setImported(null);
    try {
      const result = readDefinition(file.name, await file.text());
      setImported(result);
      setKey(result.definition.key);
      setName(result.definition.name);
    } catch (e) {
      setImported({ file: file.name, definition: emptyDefinition, report: [] });
      setError(
        isBpmnImportError(e)
          ? `${e.message}${e.elementId ? ` (element ${e.elementId})` : ''}`
          : errorMessage(e),
      );
    }
  };

  const create = async (): Promise<void> => {
    if (!imported) return;
    setBusy(true);
    try {
      await api.flows.create.mutate({ key, name });
      await api.flows.saveDraft.mutate({
        key,
        definition: toJsonDefinition({ ...imported.definition, key, name }),
      });
      setImported(null);
      onImported(key);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const notImported = imported?.report.filter((r) => r.outcome === 'skipped') ?? [];
  const mapped =
    imported?.report.filter((r) => r.outcome === 'mapped' && r.elementType !== 'sequenceFlow') ??
    [];

  return (
    <>
      <input
        ref={input}
        type="file"
        accept=".bpmn,.xml,.json"
        hidden
        data-testid="import-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void onFile(file);
          e.target.value = '';
        }}
      />
      <button
        type="button"
        className="btn"
        onClick={() => input.current?.click()}
        data-testid="import-button"
      >
        Import BPMN / JSON…
      </button>
      {imported && (
        <Modal
          title={`Import ${imported.file}`}
          onClose={() => setImported(null)}
          testId="import-dialog"
          wide
          footer={
            <>
              <button type="button" className="btn btn--ghost" onClick={() => setImported(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn--primary"
                disabled={
                  busy ||
                  (error !== null && imported.definition === emptyDefinition) ||
                  !key ||
                  !name
                }
                onClick={() => void create()}
                data-testid="import-create"
              >
                Create flow
              </button>
            </>
          }
        >
          {error && (
            <p className="field-error" role="alert" data-testid="import-error">
              {error}
            </p>
          )}
          {imported.definition !== emptyDefinition && (
            <>
              <div className="row" style={{ display: 'flex', gap: 12 }}>
                <label style={{ flex: 1 }}>
                  <span className="field-label">Name</span>
                  <input
                    className="input"
                    value={name}
                    onChange={(e) => setName(e.target.value)}
                    data-testid="import-name"
                  />
                </label>
                <label style={{ flex: 1 }}>
                  <span className="field-label">Key</span>
                  <input
                    className="input input--mono"
                    value={key}
                    onChange={(e) => setKey(e.target.value)}
                    data-testid="import-key"
                  />
                </label>
              </div>
              <p data-testid="import-summary">
                {imported.definition.nodes.length} nodes and {imported.definition.edges.length}{' '}
                edges imported
                {imported.report.length > 0 && ` from ${mapped.length} BPMN elements`}
                {notImported.length > 0 ? `; ${notImported.length} elements not imported:` : '.'}
              </p>
              {notImported.length > 0 && (
                <div className="report-list">
                  <table className="table table--compact" data-testid="import-report">
                    <thead>
                      <tr>
                        <th scope="col">Element</th>
                        <th scope="col">Type</th>
                        <th scope="col">Why</th>
                      </tr>
                    </thead>
                    <tbody>
                      {notImported.map((r) => (
                        <tr key={r.elementId} data-testid={`import-skipped-${r.elementId}`}>
                          <td className="mono">{r.elementId}</td>
                          <td>{r.elementType}</td>
                          <td>{r.message}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
        </Modal>
      )}
    </>
  );
}

const emptyDefinition: FlowDefinition = flowDefinitionSchema.parse({
  key: 'unreadable',
  name: 'Unreadable',
  trigger: { event: 'flow.started' },
  nodes: [],
  edges: [],
});
