/**
 * The simulator: runs the compiled flow in the browser against scripted events and stubbed
 * connector results, step by step or to the end, highlights where the instance is and the path it
 * took, shows the context at each step, and saves runs as test scenarios of the flow.
 */
import type { FlowDefinition, Json } from '@waybill/shared';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ReactElement } from 'react';
import { createPortal } from 'react-dom';
import { api, errorMessage } from '../api/client.ts';
import { DecoratedCanvas } from '../overlay/DecoratedCanvas.tsx';
import type { EdgeDecoration, NodeDecoration } from '../overlay/DecoratedCanvas.tsx';
import { scenarioSchema } from './scenario.schema.ts';
import {
  applyStep,
  describeStep,
  expectationOf,
  nextSteps,
  pathTaken,
  runScenario,
  sampleOf,
  startSimulation,
} from './simulator.ts';
import type { Scenario, ScenarioResult, ScriptStep, Simulation } from './simulator.ts';

interface SimulationViewProps {
  flowKey: string;
  definition: FlowDefinition;
  side: HTMLElement | null;
  onClose: () => void;
}

function parseJson(text: string): { value: Json } | { error: string } {
  try {
    const value: unknown = JSON.parse(text);
    return { value: toJson(value) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** JSON.parse only ever returns JSON values; this narrows its `unknown` without a cast. */
function toJson(value: unknown): Json {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  )
    return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return null;
}

/** The editable part of a step, as JSON text. */
function editableOf(step: ScriptStep): Json {
  switch (step.kind) {
    case 'event':
      return step.payload;
    case 'connector':
      return step.ok ? step.output : step.error;
    case 'task':
      return step.data;
    case 'timer':
      return null;
    case 'subflow':
      return { outcome: step.outcome };
    case 'classify':
      return { category: step.category, confidence: step.confidence };
  }
}

function withEdited(step: ScriptStep, value: Json): ScriptStep {
  const record = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  switch (step.kind) {
    case 'event':
      return { ...step, payload: value };
    case 'connector':
      if (step.ok) return { ...step, output: value };
      return {
        ...step,
        error: {
          code: typeof record['code'] === 'string' ? record['code'] : 'FAILED',
          message: typeof record['message'] === 'string' ? record['message'] : 'simulated failure',
        },
      };
    case 'task':
      return { ...step, data: record };
    case 'timer':
      return step;
    case 'subflow': {
      const outcome = record['outcome'];
      return { ...step, outcome: typeof outcome === 'string' ? outcome : null };
    }
    case 'classify': {
      const { category, confidence } = record;
      return {
        ...step,
        category: typeof category === 'string' ? category : null,
        confidence:
          typeof confidence === 'number' ? Math.min(1, Math.max(0, confidence)) : step.confidence,
      };
    }
  }
}

function initialTrigger(definition: FlowDefinition): string {
  const variable = definition.variables.find((v) => v.name === definition.trigger.assign);
  return JSON.stringify(variable ? sampleOf(variable.type) : {}, null, 2);
}

export function SimulationView({
  flowKey,
  definition,
  side,
  onClose,
}: SimulationViewProps): ReactElement {
  const [triggerText, setTriggerText] = useState(() => initialTrigger(definition));
  const [sim, setSim] = useState<Simulation | null>(null);
  const [script, setScript] = useState<ScriptStep[]>([]);
  const [cursor, setCursor] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [draftStep, setDraftStep] = useState<{ step: ScriptStep; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [scenarios, setScenarios] = useState<Scenario[]>([]);
  const [results, setResults] = useState<Map<string, ScenarioResult>>(new Map());
  const [scenarioName, setScenarioName] = useState('');

  const loadScenarios = useCallback(() => {
    api.overlay.scenarios.list
      .query({ flowKey })
      .then((rows) =>
        setScenarios(
          rows.flatMap((r) => {
            const parsed = scenarioSchema.safeParse(r.scenario);
            return parsed.success ? [parsed.data] : [];
          }),
        ),
      )
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [flowKey]);
  useEffect(loadScenarios, [loadScenarios]);

  const start = (steps: ScriptStep[] = [], trigger?: Json): void => {
    setError(null);
    setDraftStep(null);
    let payload: Json;
    if (trigger === undefined) {
      const parsed = parseJson(triggerText);
      if ('error' in parsed) {
        setError(`Trigger payload: ${parsed.error}`);
        return;
      }
      payload = parsed.value;
    } else {
      payload = trigger;
      setTriggerText(JSON.stringify(trigger, null, 2));
    }
    try {
      setSim(startSimulation(definition, payload));
      setScript(steps);
      setCursor(0);
      setSelected(0);
    } catch (e) {
      setSim(null);
      setError(`The flow cannot run yet: ${errorMessage(e)}`);
    }
  };

  const apply = (step: ScriptStep): void => {
    if (!sim) return;
    const next = applyStep(sim, step);
    setSim(next);
    setScript((s) => [...s.slice(0, cursor), step, ...s.slice(cursor + 1)]);
    setCursor((c) => c + 1);
    setSelected(next.frames.length - 1);
    setDraftStep(null);
  };

  const stepOnce = (): void => {
    const step = script[cursor];
    if (sim && step) {
      const next = applyStep(sim, step);
      setSim(next);
      setCursor(cursor + 1);
      setSelected(next.frames.length - 1);
    }
  };

  const runToEnd = (): void => {
    if (!sim) return;
    let next = sim;
    for (const step of script.slice(cursor)) next = applyStep(next, step);
    setSim(next);
    setCursor(script.length);
    setSelected(next.frames.length - 1);
  };

  const frames = useMemo(() => sim?.frames ?? [], [sim]);
  const frame = selected !== null ? frames[selected] : frames[frames.length - 1];
  const last = frames[frames.length - 1];

  const decorations = useMemo(() => {
    const nodes = new Map<string, NodeDecoration>();
    const edges = new Map<string, EdgeDecoration>();
    if (!sim || !frame) return { nodes, edges };
    const upto = frames.slice(0, (selected ?? frames.length - 1) + 1);
    const path = pathTaken(definition, upto);
    for (const id of path.nodes) nodes.set(id, { className: 'deco--path' });
    for (const id of frame.activeNodes)
      nodes.set(id, { className: 'deco--active', badge: 'here', badgeTone: 'info' });
    for (const id of path.edges) edges.set(id, { className: 'edge--path', animated: true });
    return { nodes, edges };
  }, [sim, frame, frames, selected, definition]);

  const saveScenario = (): void => {
    if (!sim || !last || !scenarioName.trim()) return;
    const parsed = parseJson(triggerText);
    if ('error' in parsed) return;
    const scenario: Scenario = {
      name: scenarioName.trim(),
      trigger: parsed.value,
      steps: script.slice(0, cursor),
      expected: expectationOf(last),
    };
    api.overlay.scenarios.save
      .mutate({ flowKey, name: scenario.name, scenario: { ...scenario } })
      .then(() => {
        setScenarioName('');
        loadScenarios();
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  };

  const runOne = (scenario: Scenario): void => {
    setResults((r) => new Map(r).set(scenario.name, runScenario(definition, scenario)));
  };

  const suggestions = sim ? nextSteps(definition, sim) : [];
  const status = !sim
    ? 'Not started'
    : last?.done
      ? `Finished: ${last.outcome ?? 'no outcome'}`
      : `Waiting at ${last?.activeNodes.join(', ') || '—'}`;

  const panel = (
    <div className="workbench-side" data-testid="simulation-panel">
      <header className="workbench-side__header">
        <h2>Simulate</h2>
        <button
          type="button"
          className="btn btn--small"
          onClick={onClose}
          data-testid="workbench-close"
        >
          Back to editing
        </button>
      </header>
      <section className="workbench-side__section">
        <label className="field-label" htmlFor="sim-trigger">
          {definition.trigger.event} payload
        </label>
        <textarea
          id="sim-trigger"
          className="input"
          value={triggerText}
          onChange={(e) => setTriggerText(e.target.value)}
          data-testid="sim-trigger"
          spellCheck={false}
        />
        <div className="row">
          <button
            type="button"
            className="btn btn--primary btn--small"
            onClick={() => start()}
            data-testid="sim-start"
          >
            {sim ? 'Restart' : 'Start'}
          </button>
          <button
            type="button"
            className="btn btn--small"
            onClick={stepOnce}
            disabled={!sim || cursor >= script.length}
            data-testid="sim-step"
          >
            Step
          </button>
          <button
            type="button"
            className="btn btn--small"
            onClick={runToEnd}
            disabled={!sim || cursor >= script.length}
            data-testid="sim-run"
          >
            Run to end
          </button>
          {script.length > 0 && (
            <span className="muted small" data-testid="sim-progress">
              {cursor}/{script.length} steps
            </span>
          )}
        </div>
        <p className="small" data-testid="sim-status" role="status">
          {status}
        </p>
        {error && (
          <p className="field-error" role="alert" data-testid="sim-error">
            {error}
          </p>
        )}
      </section>
      {sim && !last?.done && (
        <section className="workbench-side__section">
          <h3>What happens next</h3>
          {draftStep ? (
            <div data-testid="sim-step-editor">
              <p className="small">
                <strong>{describeStep(draftStep.step)}</strong>
              </p>
              {draftStep.step.kind !== 'timer' && (
                <textarea
                  className="input"
                  aria-label="Step data (JSON)"
                  value={draftStep.text}
                  onChange={(e) => setDraftStep({ ...draftStep, text: e.target.value })}
                  data-testid="sim-step-payload"
                  spellCheck={false}
                />
              )}
              <div className="row">
                <button
                  type="button"
                  className="btn btn--primary btn--small"
                  data-testid="sim-apply"
                  onClick={() => {
                    const parsed =
                      draftStep.step.kind === 'timer' ? { value: null } : parseJson(draftStep.text);
                    if ('error' in parsed) setError(`Step data: ${parsed.error}`);
                    else apply(withEdited(draftStep.step, parsed.value));
                  }}
                >
                  Apply
                </button>
                <button
                  type="button"
                  className="btn btn--ghost btn--small"
                  onClick={() => setDraftStep(null)}
                >
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <ul className="step-list">
              {suggestions.map((step, i) => (
                <li key={i}>
                  <button
                    type="button"
                    className="step-choice"
                    data-testid={`sim-next-${i}`}
                    onClick={() =>
                      setDraftStep({ step, text: JSON.stringify(editableOf(step), null, 2) })
                    }
                  >
                    {describeStep(step)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {sim && (
        <section className="workbench-side__section">
          <h3>Steps</h3>
          <ol className="frame-list" data-testid="sim-frames">
            {frames.map((f, i) => (
              <li key={i}>
                <button
                  type="button"
                  aria-current={i === (selected ?? frames.length - 1) ? 'step' : undefined}
                  onClick={() => setSelected(i)}
                  data-testid={`sim-frame-${i}`}
                >
                  {i}. {f.label}
                  <span className="frame-meta">
                    {f.done
                      ? `finished: ${f.outcome ?? '—'}`
                      : `at ${f.activeNodes.join(', ') || '—'}`}
                    {f.entered.length > 0 && ` · entered ${f.entered.join(' → ')}`}
                  </span>
                  {f.error && <span className="frame-error">{f.error}</span>}
                </button>
              </li>
            ))}
          </ol>
          <h3 style={{ marginTop: 12 }}>Context at step {selected ?? frames.length - 1}</h3>
          <pre className="sim-context-json" data-testid="sim-context">
            {JSON.stringify(frame?.vars ?? {}, null, 2)}
          </pre>
        </section>
      )}
      <section className="workbench-side__section">
        <h3>Test scenarios</h3>
        <div className="row">
          <input
            className="input"
            placeholder="Scenario name"
            aria-label="Scenario name"
            value={scenarioName}
            onChange={(e) => setScenarioName(e.target.value)}
            data-testid="scenario-name"
          />
          <button
            type="button"
            className="btn btn--small"
            disabled={!sim || !scenarioName.trim()}
            onClick={saveScenario}
            data-testid="scenario-save"
          >
            Save as scenario
          </button>
        </div>
        {scenarios.length === 0 ? (
          <p className="empty-note">No scenarios yet. Run a simulation and save it.</p>
        ) : (
          <>
            <ul className="scenario-list" data-testid="scenario-list">
              {scenarios.map((s) => {
                const result = results.get(s.name);
                return (
                  <li key={s.name} className="scenario" data-testid={`scenario-${s.name}`}>
                    <div className="scenario__head">
                      <span className="scenario__name">{s.name}</span>
                      <span className="muted small">{s.steps.length} steps</span>
                      {result && (
                        <span
                          className={`result result--${result.passed ? 'passed' : 'failed'}`}
                          data-testid="scenario-result"
                        >
                          {result.passed ? 'passed' : 'failed'}
                        </span>
                      )}
                      <span className="scenario__spacer" />
                      <button
                        type="button"
                        className="btn btn--ghost btn--small"
                        onClick={() => start(s.steps, s.trigger)}
                      >
                        Load
                      </button>
                      <button
                        type="button"
                        className="btn btn--small"
                        onClick={() => runOne(s)}
                        data-testid="scenario-run"
                      >
                        Run
                      </button>
                    </div>
                    {result && !result.passed && (
                      <ul className="scenario__failures">
                        {result.failures.map((f) => (
                          <li key={f}>{f}</li>
                        ))}
                      </ul>
                    )}
                  </li>
                );
              })}
            </ul>
            <button
              type="button"
              className="btn btn--small"
              onClick={() => scenarios.forEach(runOne)}
              data-testid="scenario-run-all"
            >
              Run all
            </button>
          </>
        )}
      </section>
    </div>
  );

  return (
    <>
      <div className="workbench-banner">
        <strong>Simulation</strong>
        <span className="legend">
          <span className="legend__item">
            <span className="legend__swatch legend__swatch--active" />
            where it is
          </span>
          <span className="legend__item">
            <span className="legend__swatch legend__swatch--path" />
            path taken
          </span>
        </span>
        <span className="muted">{status}</span>
      </div>
      <DecoratedCanvas
        definition={definition}
        nodes={decorations.nodes}
        edges={decorations.edges}
        testId="simulation-canvas"
        ariaLabel="Simulation canvas"
      />
      {side && createPortal(panel, side)}
    </>
  );
}
