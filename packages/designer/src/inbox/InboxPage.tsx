/**
 * The approvers' inbox: my tasks (claimed by or assigned to me) and my groups' tasks, filtered
 * by category, customer, warehouse, business unit, due window and SLA breach, sorted by priority
 * or due date; claim and unclaim from the list; select low-risk tasks and approve them at once,
 * with the result of each task shown beside it.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ReactElement } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { useAuth } from '../auth/AuthContext.ts';
import { TopBar } from '../ui/TopBar.tsx';
import { dueTone, formatDue } from './due.ts';
import { taskHref } from './routes.ts';
import './inbox.css';

type InboxQuery = Parameters<typeof api.tasks.inbox.query>[0];
type InboxResult = Awaited<ReturnType<typeof api.tasks.inbox.query>>;
export type InboxTask = InboxResult['tasks'][number];
type Facets = Awaited<ReturnType<typeof api.tasks.facets.query>>;
/** One task's result of a bulk approval, with what the approver knows it by. */
type BulkResult = Awaited<ReturnType<typeof api.tasks.bulkApprove.mutate>>[number] & {
  title: string | null;
  correlationKey: string | null;
};

type Scope = 'mine' | 'groups';
interface Filters {
  category: string;
  customerId: string;
  warehouse: string;
  businessUnit: string;
  due: '' | 'overdue' | '24h' | '7d';
  breachedOnly: boolean;
  sort: 'priority' | 'due';
}

const noFilters: Filters = {
  category: '',
  customerId: '',
  warehouse: '',
  businessUnit: '',
  due: '',
  breachedOnly: false,
  sort: 'priority',
};

function queryOf(scope: Scope, filters: Filters, cursor: string | null): InboxQuery {
  return {
    scope,
    sort: filters.sort,
    limit: 50,
    cursor,
    ...(filters.category ? { category: filters.category } : {}),
    ...(filters.customerId ? { customerId: filters.customerId } : {}),
    ...(filters.warehouse ? { warehouse: filters.warehouse } : {}),
    ...(filters.businessUnit ? { businessUnit: filters.businessUnit } : {}),
    ...(filters.due ? { due: filters.due } : {}),
    ...(filters.breachedOnly ? { breached: true } : {}),
  };
}

const PRIORITY_LABEL: Record<number, string> = { 1: 'Critical', 2: 'High', 3: 'Normal', 4: 'Low' };

function FilterSelect({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  options: string[];
  onChange: (value: string) => void;
}): ReactElement {
  return (
    <div className="inbox-filter">
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      <select
        id={id}
        className="input"
        value={value}
        data-testid={id}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">All</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The due date as the inbox shows it: relative, coloured, flagged when the SLA is breached. */
export function DueBadge({
  dueAt,
  breached,
}: {
  dueAt: string | null;
  breached: boolean;
}): ReactElement {
  return (
    <span className="due">
      <span className={`due__text due__text--${dueTone(dueAt)}`} title={dueAt ?? undefined}>
        {formatDue(dueAt)}
      </span>
      {breached && (
        <span className="badge badge--breached" data-testid="breached-flag">
          SLA breached
        </span>
      )}
    </span>
  );
}

export function InboxPage(): ReactElement {
  const username = useAuth()?.user.username ?? null;
  const [scope, setScope] = useState<Scope>('groups');
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [tasks, setTasks] = useState<InboxTask[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [results, setResults] = useState<ReadonlyMap<string, BulkResult>>(new Map());
  const [busy, setBusy] = useState<string | null>(null);

  // Bumped after an action, so the list loads again at once.
  const [version, setVersion] = useState(0);
  const reload = (): void => setVersion((v) => v + 1);

  // Tasks arrive and change while the page is open, so the list refreshes itself.
  useEffect(() => {
    let live = true;
    const fetchPage = (): void => {
      Promise.all([api.tasks.inbox.query(queryOf(scope, filters, null)), api.tasks.facets.query()])
        .then(([page, nextFacets]) => {
          if (!live) return;
          setTasks(page.tasks);
          setNextCursor(page.nextCursor);
          setFacets(nextFacets);
          setError(null);
        })
        .catch((e: unknown) => {
          if (live) setError(errorMessage(e));
        });
    };
    fetchPage();
    const timer = setInterval(fetchPage, 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [scope, filters, version]);

  const loadMore = async (): Promise<void> => {
    if (!nextCursor) return;
    try {
      const page = await api.tasks.inbox.query(queryOf(scope, filters, nextCursor));
      setTasks((current) => [...(current ?? []), ...page.tasks]);
      setNextCursor(page.nextCursor);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const setFilter = <TKey extends keyof Filters>(key: TKey, value: Filters[TKey]): void =>
    setFilters((current) => ({ ...current, [key]: value }));

  const toggle = (id: string): void =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const claim = async (task: InboxTask, action: 'claim' | 'unclaim'): Promise<void> => {
    setBusy(task.id);
    try {
      if (action === 'claim') await api.tasks.claim.mutate({ taskId: task.id });
      else await api.tasks.unclaim.mutate({ taskId: task.id });
      reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const approveSelected = async (): Promise<void> => {
    if (selected.size === 0) return;
    setBusy('bulk');
    try {
      const outcome = await api.tasks.bulkApprove.mutate({ taskIds: [...selected] });
      const shown = new Map((tasks ?? []).map((t) => [t.id, t]));
      setResults(
        new Map(
          outcome.map((r) => {
            const task = shown.get(r.taskId);
            return [
              r.taskId,
              { ...r, title: task?.title ?? null, correlationKey: task?.correlationKey ?? null },
            ];
          }),
        ),
      );
      setSelected(new Set());
      reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const resultList = useMemo(() => [...results.values()], [results]);
  const approved = resultList.filter((r) => r.ok).length;

  return (
    <div className="page">
      <TopBar crumbs={<span className="crumb-current">Inbox</span>} />
      <main className="list-page inbox" data-testid="inbox-page">
        <div className="list-page__intro">
          <h1>Inbox</h1>
          <p className="muted">
            Exceptions waiting for a decision. Claim a task to work it; tasks past their SLA are
            flagged.
          </p>
        </div>
        <div className="inbox__tabs" role="tablist" aria-label="Whose tasks">
          {(
            [
              ['groups', 'My groups'],
              ['mine', 'My tasks'],
            ] as const
          ).map(([value, label]) => (
            <button
              key={value}
              type="button"
              role="tab"
              id={`inbox-tab-${value}`}
              aria-selected={scope === value}
              aria-controls="inbox-table"
              className={`tab${scope === value ? ' is-active' : ''}`}
              data-testid={`inbox-tab-${value}`}
              onClick={() => {
                setScope(value);
                setSelected(new Set());
              }}
            >
              {label}
            </button>
          ))}
        </div>
        <form className="inbox__filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <FilterSelect
            id="inbox-filter-category"
            label="Category"
            value={filters.category}
            options={facets?.categories ?? []}
            onChange={(v) => setFilter('category', v)}
          />
          <FilterSelect
            id="inbox-filter-customer"
            label="Customer"
            value={filters.customerId}
            options={facets?.customers ?? []}
            onChange={(v) => setFilter('customerId', v)}
          />
          <FilterSelect
            id="inbox-filter-warehouse"
            label="Warehouse"
            value={filters.warehouse}
            options={facets?.warehouses ?? []}
            onChange={(v) => setFilter('warehouse', v)}
          />
          <FilterSelect
            id="inbox-filter-unit"
            label="Business unit"
            value={filters.businessUnit}
            options={facets?.businessUnits ?? []}
            onChange={(v) => setFilter('businessUnit', v)}
          />
          <div className="inbox-filter">
            <label htmlFor="inbox-filter-due" className="field__label">
              Due
            </label>
            <select
              id="inbox-filter-due"
              className="input"
              value={filters.due}
              onChange={(e) => {
                const value = e.target.value;
                setFilter(
                  'due',
                  value === 'overdue' || value === '24h' || value === '7d' ? value : '',
                );
              }}
            >
              <option value="">Any time</option>
              <option value="overdue">Overdue</option>
              <option value="24h">Within 24 hours</option>
              <option value="7d">Within 7 days</option>
            </select>
          </div>
          <div className="inbox-filter">
            <label htmlFor="inbox-sort" className="field__label">
              Sort by
            </label>
            <select
              id="inbox-sort"
              className="input"
              value={filters.sort}
              data-testid="inbox-sort"
              onChange={(e) => setFilter('sort', e.target.value === 'due' ? 'due' : 'priority')}
            >
              <option value="priority">Priority, then due date</option>
              <option value="due">Due date, then priority</option>
            </select>
          </div>
          <label className="checkbox inbox-filter inbox-filter--check">
            <input
              type="checkbox"
              checked={filters.breachedOnly}
              data-testid="inbox-filter-breached"
              onChange={(e) => setFilter('breachedOnly', e.target.checked)}
            />
            SLA breached only
          </label>
        </form>
        {error && (
          <p className="banner banner--error" role="alert" data-testid="inbox-error">
            {error}
          </p>
        )}
        <div className="inbox__bulk">
          <button
            type="button"
            className="btn btn--primary"
            disabled={selected.size === 0 || busy === 'bulk'}
            data-testid="bulk-approve"
            onClick={() => void approveSelected()}
          >
            {busy === 'bulk' ? 'Approving…' : `Approve selected (${selected.size})`}
          </button>
          <span className="muted small">
            Only low-risk tasks are approved in bulk; every other task says why it was left.
          </span>
        </div>
        {resultList.length > 0 && (
          <div className="card inbox__results" role="status" data-testid="bulk-results">
            <p>
              <strong>{approved}</strong> of {resultList.length} approved.
            </p>
            <ul>
              {resultList.map((r) => (
                <li key={r.taskId} data-testid={`bulk-result-${r.correlationKey ?? r.taskId}`}>
                  <span className={r.ok ? 'status status--completed' : 'status status--failed'}>
                    {r.ok ? `approved (${r.outcome})` : 'not approved'}
                  </span>{' '}
                  {r.correlationKey !== null ? (
                    <>
                      <span className="mono">{r.correlationKey}</span> {r.title}
                    </>
                  ) : (
                    <span className="mono small">{r.taskId.slice(0, 8)}</span>
                  )}
                  {!r.ok && <span className="muted"> — {r.message}</span>}
                </li>
              ))}
            </ul>
          </div>
        )}
        {tasks === null && !error && <p className="empty-note">Loading tasks…</p>}
        {tasks?.length === 0 && (
          <div className="empty-state" data-testid="inbox-empty">
            <h2>Nothing waiting</h2>
            <p className="muted">
              {scope === 'mine'
                ? 'You have not claimed any task. Claim one from “My groups”.'
                : 'No open task matches these filters in your groups.'}
            </p>
          </div>
        )}
        {tasks && tasks.length > 0 && (
          <div
            className="card"
            id="inbox-table"
            role="tabpanel"
            aria-labelledby={`inbox-tab-${scope}`}
          >
            <table className="table inbox__table" data-testid="inbox-table">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="sr-only">Select</span>
                  </th>
                  <th scope="col">Task</th>
                  <th scope="col">Category</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Warehouse</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Priority</th>
                  <th scope="col">Due</th>
                  <th scope="col">Claim</th>
                </tr>
              </thead>
              <tbody>
                {tasks.map((task) => {
                  const mine = username !== null && task.claimedBy === username;
                  const lowRisk = 'outcome' in task.lowRisk;
                  return (
                    <tr
                      key={task.id}
                      data-testid={`inbox-row-${task.correlationKey}`}
                      className={task.breached ? 'is-breached' : undefined}
                    >
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select ${task.title} (${task.correlationKey})`}
                          checked={selected.has(task.id)}
                          data-testid={`inbox-select-${task.correlationKey}`}
                          onChange={() => toggle(task.id)}
                        />
                      </td>
                      <td>
                        <a
                          className="flow-name"
                          href={taskHref(task.id)}
                          data-testid={`inbox-open-${task.correlationKey}`}
                        >
                          {task.title}
                        </a>
                        <div className="muted small">
                          <span className="mono">{task.correlationKey}</span> · {task.flowKey}
                          {lowRisk && <span className="badge badge--low-risk">low risk</span>}
                        </div>
                      </td>
                      <td>{task.category ?? '—'}</td>
                      <td>{task.customerId ?? '—'}</td>
                      <td>{task.warehouse ?? '—'}</td>
                      <td className="num">
                        {task.amount === null ? '—' : task.amount.toLocaleString()}
                      </td>
                      <td>{PRIORITY_LABEL[task.priority] ?? task.priority}</td>
                      <td>
                        <DueBadge dueAt={task.dueAt} breached={task.breached} />
                      </td>
                      <td>
                        {task.claimedBy === null ? (
                          <button
                            type="button"
                            className="btn btn--small"
                            disabled={busy === task.id}
                            data-testid={`inbox-claim-${task.correlationKey}`}
                            aria-label={`Claim ${task.title} (${task.correlationKey})`}
                            onClick={() => void claim(task, 'claim')}
                          >
                            Claim
                          </button>
                        ) : mine ? (
                          <button
                            type="button"
                            className="btn btn--small btn--ghost"
                            disabled={busy === task.id}
                            data-testid={`inbox-unclaim-${task.correlationKey}`}
                            aria-label={`Unclaim ${task.title} (${task.correlationKey})`}
                            onClick={() => void claim(task, 'unclaim')}
                          >
                            Unclaim
                          </button>
                        ) : (
                          <span className="muted small">claimed by {task.claimedBy}</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {nextCursor && (
              <div className="inbox__more">
                <button type="button" className="btn" onClick={() => void loadMore()}>
                  Show more
                </button>
              </div>
            )}
          </div>
        )}
      </main>
    </div>
  );
}
