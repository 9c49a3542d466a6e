/**
 * The template gallery: every shipped template with its summary, parameters and the connectors
 * and roles it needs; a business unit deploys one with its own parameter values as its own
 * versioned flow (`<template>-<unit>`).
 */
import { useEffect, useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { TopBar } from '../ui/TopBar.tsx';
import '../intelligence/intelligence.css';

type Template = Awaited<ReturnType<typeof api.templates.list.query>>[number];
type Parameter = Template['parameters'][number];

const UNIT = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const DURATION =
  /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

/** The value a parameter field holds, as typed; checked and converted on deploy. */
function initialText(p: Parameter): string {
  if (p.default === null || p.default === undefined) return '';
  return typeof p.default === 'string' ? p.default : JSON.stringify(p.default);
}

/** Converts a field's text to the parameter's type, or says what is wrong. */
export function parameterValue(
  p: Pick<Parameter, 'type'>,
  text: string,
): { value: unknown } | { error: string } {
  const t = text.trim();
  switch (p.type) {
    case 'number':
    case 'integer': {
      const n = Number(t);
      if (t === '' || !Number.isFinite(n)) return { error: 'must be a number' };
      if (p.type === 'integer' && !Number.isInteger(n)) return { error: 'must be a whole number' };
      return { value: n };
    }
    case 'boolean':
      return { value: t === 'true' };
    case 'duration':
      return DURATION.test(t)
        ? { value: t }
        : { error: 'must be an ISO-8601 duration such as PT4H or P2D' };
    case 'string':
      return { value: text };
  }
}

function DeployForm({
  template,
  onDeployed,
}: {
  template: Template;
  onDeployed: () => void;
}): ReactElement {
  const [unit, setUnit] = useState('');
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(template.parameters.map((p) => [p.name, initialText(p)])),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ key: string; version: number; unchanged: boolean } | null>(
    null,
  );
  const checks = template.parameters.map((p) => ({
    p,
    result: parameterValue(p, texts[p.name] ?? ''),
  }));
  const unitError =
    unit.trim() === '' ? null : UNIT.test(unit.trim()) ? null : 'use letters, digits and hyphens';
  const invalid =
    unit.trim() === '' || unitError !== null || checks.some((c) => 'error' in c.result);
  const formId = `deploy-${template.name}`;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    setError(null);
    try {
      const parameters: Record<string, unknown> = {};
      for (const { p, result } of checks) if ('value' in result) parameters[p.name] = result.value;
      const result = await api.templates.deploy.mutate({
        name: template.name,
        businessUnit: unit.trim(),
        parameters,
      });
      setDone(result);
      onDeployed();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      id={formId}
      className="gallery-form"
      onSubmit={(e) => void submit(e)}
      data-testid={`deploy-form-${template.name}`}
    >
      <label className="field">
        <span className="field__label">
          Business unit <span className="required">*</span>
        </span>
        <input
          className="input"
          value={unit}
          onChange={(e) => setUnit(e.target.value)}
          placeholder="e.g. east"
          aria-invalid={unitError !== null}
          data-testid="deploy-unit"
          autoFocus
        />
        {unitError && <span className="field-error">{unitError}</span>}
      </label>
      {checks.map(({ p, result }) => (
        <label className="field" key={p.name}>
          <span className="field__label">
            {p.name} <span className="muted small">({p.type})</span>
          </span>
          {p.type === 'boolean' ? (
            <select
              className="input"
              value={texts[p.name] === 'true' ? 'true' : 'false'}
              onChange={(e) => setTexts({ ...texts, [p.name]: e.target.value })}
              data-testid={`deploy-param-${p.name}`}
            >
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : (
            <input
              className="input"
              value={texts[p.name] ?? ''}
              inputMode={p.type === 'number' || p.type === 'integer' ? 'decimal' : undefined}
              onChange={(e) => setTexts({ ...texts, [p.name]: e.target.value })}
              aria-invalid={'error' in result}
              data-testid={`deploy-param-${p.name}`}
            />
          )}
          {p.description && <span className="field__hint">{p.description}</span>}
          {'error' in result && (
            <span className="field-error">
              {p.name} {result.error}
            </span>
          )}
        </label>
      ))}
      {error && (
        <div className="banner banner--error" role="alert">
          {error}
        </div>
      )}
      {done && (
        <div className="banner" role="status" data-testid="deploy-result">
          {done.unchanged
            ? `${done.key} is already at version ${done.version} with these parameters.`
            : `Deployed ${done.key} version ${done.version}.`}{' '}
          <a className="link" href={`#/flows/${encodeURIComponent(done.key)}`}>
            Open the flow
          </a>{' '}
          ·{' '}
          <a
            className="link"
            href={`#/intelligence?businessUnit=${encodeURIComponent(unit.trim())}`}
            data-testid="deploy-dashboard-link"
          >
            Its dashboard
          </a>
        </div>
      )}
      <div className="button-row">
        <button
          type="submit"
          className="btn btn--primary"
          disabled={busy || invalid}
          data-testid="deploy-submit"
        >
          {busy ? 'Deploying…' : 'Deploy'}
        </button>
      </div>
    </form>
  );
}

function TemplateCard({
  template,
  onDeployed,
}: {
  template: Template;
  onDeployed: () => void;
}): ReactElement {
  const [open, setOpen] = useState(false);
  return (
    <article
      className="card gallery-card"
      data-testid={`template-${template.name}`}
      aria-labelledby={`tpl-${template.name}`}
    >
      <header className="gallery-card__head">
        <h2 id={`tpl-${template.name}`}>{template.title}</h2>
        <code className="key-chip">{template.name}</code>
      </header>
      <p>{template.summary}</p>
      <dl className="gallery-card__facts">
        <dt>Starts on</dt>
        <dd>
          <code>{template.trigger}</code>
        </dd>
        <dt>Connectors</dt>
        <dd>{template.connectors.length > 0 ? template.connectors.join(', ') : 'none'}</dd>
        <dt>Owner roles</dt>
        <dd>{template.roles.length > 0 ? template.roles.join(', ') : 'none'}</dd>
        <dt>Deployed for</dt>
        <dd data-testid={`deployments-${template.name}`}>
          {template.deployments.length > 0
            ? template.deployments.map((d) => d.businessUnit ?? d.key).join(', ')
            : 'no business unit yet'}
        </dd>
      </dl>
      <table className="table table--compact">
        <caption className="sr-only">Parameters of {template.title}</caption>
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">Type</th>
            <th scope="col">Default</th>
            <th scope="col">What it sets</th>
          </tr>
        </thead>
        <tbody>
          {template.parameters.map((p) => (
            <tr key={p.name}>
              <td className="mono">{p.name}</td>
              <td>{p.type}</td>
              <td className="mono">{initialText(p)}</td>
              <td>{p.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="button-row">
        <button
          type="button"
          className="btn"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          data-testid={`deploy-open-${template.name}`}
        >
          {open ? 'Close' : 'Deploy for a business unit…'}
        </button>
      </div>
      {open && <DeployForm template={template} onDeployed={onDeployed} />}
    </article>
  );
}

export function GalleryPage(): ReactElement {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    api.templates.list
      .query()
      .then((list) => live && setTemplates(list))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [version]);
  return (
    <div className="page">
      <TopBar crumbs={<span>Template gallery</span>} />
      <main className="list-page gallery" aria-labelledby="gallery-title">
        <h1 id="gallery-title">Template gallery</h1>
        <p className="list-page__intro">
          Billing processes ready to run. Deploy one for a business unit with its own tolerances,
          SLAs and owners; each unit gets its own versioned flow.
        </p>
        {error && (
          <div className="banner banner--error" role="alert">
            {error}
          </div>
        )}
        {templates === null && !error && <p className="muted">Loading templates…</p>}
        <div className="gallery__grid">
          {templates?.map((t) => (
            <TemplateCard key={t.name} template={t} onDeployed={() => setVersion((v) => v + 1)} />
          ))}
        </div>
      </main>
    </div>
  );
}
