/**
 * Administration: users (create, edit roles and groups, disable or enable, reset the password,
 * unlock after failed sign-ins), groups (the work queues tasks are routed to) and the roles with
 * what each permits. Every change goes through the platform's admin API, which audits it.
 */
import { useCallback, useEffect, useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { api, errorCode, errorMessage } from '../api/client.ts';
import { useAuth } from '../auth/AuthContext.ts';
import { formatRelative } from '../panels/format.ts';
import { FormFooter, Modal } from '../ui/Modal.tsx';
import { TopBar } from '../ui/TopBar.tsx';
import '../inbox/inbox.css';

type UserView = Awaited<ReturnType<typeof api.admin.users.list.query>>[number];
/** A user as the list shows it: `locked` is decided when the list loads. */
type User = UserView & { locked: boolean };
type Group = Awaited<ReturnType<typeof api.admin.groups.list.query>>[number];
type RoleInfo = Awaited<ReturnType<typeof api.admin.roles.query>>[number];

function toggled(list: readonly string[], value: string, on: boolean): string[] {
  return on ? [...new Set([...list, value])] : list.filter((v) => v !== value);
}

function CheckList({
  legend,
  name,
  options,
  checked,
  onChange,
}: {
  legend: string;
  name: string;
  options: { value: string; label: string }[];
  checked: readonly string[];
  onChange: (next: string[]) => void;
}): ReactElement {
  return (
    <fieldset className="field">
      <legend className="field__label">{legend}</legend>
      {options.length === 0 && <p className="muted small">None defined yet.</p>}
      {options.map((option) => (
        <label key={option.value} className="checkbox checkbox--inline">
          <input
            type="checkbox"
            name={name}
            value={option.value}
            checked={checked.includes(option.value)}
            data-testid={`${name}-${option.value}`}
            onChange={(e) => onChange(toggled(checked, option.value, e.target.checked))}
          />
          {option.label}
        </label>
      ))}
    </fieldset>
  );
}

type Dialog =
  | { kind: 'create' }
  | { kind: 'edit'; user: User }
  | { kind: 'password'; user: User }
  | { kind: 'group' };

function UserDialog({
  user,
  roles,
  groups,
  onClose,
  onSaved,
}: {
  user: User | null;
  roles: RoleInfo[];
  groups: Group[];
  onClose: () => void;
  onSaved: () => Promise<void>;
}): ReactElement {
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [userRoles, setUserRoles] = useState<string[]>(user?.roles ?? []);
  const [userGroups, setUserGroups] = useState<string[]>(user?.groups ?? []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (user) {
        await api.admin.users.update.mutate({
          user: user.id,
          displayName,
          email: email.trim() === '' ? null : email.trim(),
          roles: userRoles,
          groups: userGroups,
        });
      } else {
        await api.admin.users.create.mutate({
          username: username.trim(),
          displayName: displayName.trim(),
          email: email.trim() === '' ? null : email.trim(),
          password: password === '' ? null : password,
          roles: userRoles,
          groups: userGroups,
        });
      }
      await onSaved();
    } catch (e) {
      setError(
        errorCode(e) === 'CONFLICT' ? `A user “${username}” exists already.` : errorMessage(e),
      );
      setBusy(false);
    }
  };

  return (
    <Modal
      title={user ? `Edit ${user.username}` : 'New user'}
      onClose={onClose}
      testId="user-dialog"
      footer={
        <FormFooter
          form="user-form"
          onCancel={onClose}
          disabled={busy || (!user && username.trim() === '')}
          testId="user-save"
        >
          {user ? 'Save' : 'Create user'}
        </FormFooter>
      }
    >
      <form id="user-form" onSubmit={(e) => void submit(e)}>
        {!user && (
          <div className="field">
            <label className="field__label" htmlFor="user-username">
              User name
            </label>
            <input
              id="user-username"
              className="input"
              autoFocus
              autoComplete="off"
              value={username}
              data-testid="user-username"
              onChange={(e) => setUsername(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label className="field__label" htmlFor="user-display-name">
            Display name
          </label>
          <input
            id="user-display-name"
            className="input"
            value={displayName}
            data-testid="user-display-name"
            onChange={(e) => setDisplayName(e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="user-email">
            E-mail (optional)
          </label>
          <input
            id="user-email"
            className="input"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        {!user && (
          <div className="field">
            <label className="field__label" htmlFor="user-password">
              Initial password (empty: single sign-on only)
            </label>
            <input
              id="user-password"
              className="input"
              type="password"
              autoComplete="new-password"
              value={password}
              data-testid="user-password"
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
        )}
        <CheckList
          legend="Roles"
          name="user-role"
          options={roles.map((r) => ({ value: r.name, label: r.label }))}
          checked={userRoles}
          onChange={setUserRoles}
        />
        <CheckList
          legend="Groups (task queues)"
          name="user-group"
          options={groups.map((g) => ({ value: g.key, label: g.name || g.key }))}
          checked={userGroups}
          onChange={setUserGroups}
        />
        {error && (
          <p className="field-error" role="alert" data-testid="user-error">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

function PasswordDialog({
  user,
  onClose,
  onSaved,
}: {
  user: User;
  onClose: () => void;
  onSaved: () => Promise<void>;
}): ReactElement {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      await api.admin.users.update.mutate({ user: user.id, password });
      await onSaved();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Modal
      title={`Reset the password of ${user.username}`}
      onClose={onClose}
      testId="password-dialog"
      footer={
        <FormFooter form="password-form" onCancel={onClose} disabled={password === ''}>
          Set password
        </FormFooter>
      }
    >
      <form id="password-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label className="field__label" htmlFor="reset-password">
            New password
          </label>
          <input
            id="reset-password"
            className="input"
            type="password"
            autoComplete="new-password"
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p className="field__hint">The user signs in with it next; their sessions end.</p>
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

function GroupDialog({
  onClose,
  onSaved,
}: {
  onClose: () => void;
  onSaved: () => Promise<void>;
}): ReactElement {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      await api.admin.groups.create.mutate({ key: key.trim(), name: name.trim() });
      await onSaved();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Modal
      title="New group"
      onClose={onClose}
      testId="group-dialog"
      footer={
        <FormFooter form="group-form" onCancel={onClose} disabled={key.trim() === ''}>
          Create group
        </FormFooter>
      }
    >
      <form id="group-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label className="field__label" htmlFor="group-key">
            Key (the candidate role flows name, e.g. credit)
          </label>
          <input
            id="group-key"
            className="input input--mono"
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="group-name">
            Name
          </label>
          <input
            id="group-name"
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

export function AdminPage(): ReactElement {
  const auth = useAuth();
  const allowed = auth?.user.permissions.includes('users:manage') ?? false;
  const [users, setUsers] = useState<User[] | null>(null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [roles, setRoles] = useState<RoleInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);

  // Bumped after a change, so the lists load again.
  const [version, setVersion] = useState(0);
  const load = useCallback((): Promise<void> => {
    setVersion((v) => v + 1);
    return Promise.resolve();
  }, []);

  useEffect(() => {
    if (!allowed) return;
    let live = true;
    Promise.all([
      api.admin.users.list.query(),
      api.admin.groups.list.query(),
      api.admin.roles.query(),
    ])
      .then(([nextUsers, nextGroups, nextRoles]) => {
        if (!live) return;
        const now = Date.now();
        setUsers(
          nextUsers.map((u) => ({
            ...u,
            locked: u.lockedUntil !== null && Date.parse(u.lockedUntil) > now,
          })),
        );
        setGroups(nextGroups);
        setRoles(nextRoles);
        setError(null);
      })
      .catch((e: unknown) => {
        if (live) setError(errorMessage(e));
      });
    return () => {
      live = false;
    };
  }, [allowed, version]);

  const act = async (run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
      await load();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const saved = async (): Promise<void> => {
    setDialog(null);
    await load();
  };

  return (
    <div className="page">
      <TopBar crumbs={<span className="crumb-current">Administration</span>} />
      <main className="list-page admin-page" data-testid="admin-page">
        <div className="list-page__intro">
          <h1>Administration</h1>
          <p className="muted">
            Users, the groups their tasks come from, and the roles that decide what they may do.
          </p>
        </div>
        {!allowed && (
          <p className="banner banner--error" role="alert" data-testid="admin-denied">
            Administration needs the users:manage permission (the administrator role).
          </p>
        )}
        {error && (
          <p className="banner banner--error" role="alert" data-testid="admin-error">
            {error}
          </p>
        )}
        {allowed && (
          <div className="admin-grid">
            <section className="card task-panel" aria-labelledby="admin-users">
              <div className="button-row">
                <h2 id="admin-users">Users</h2>
                <button
                  type="button"
                  className="btn btn--primary btn--small"
                  data-testid="user-create"
                  onClick={() => setDialog({ kind: 'create' })}
                >
                  + New user
                </button>
              </div>
              {users === null ? (
                <p className="empty-note">Loading users…</p>
              ) : (
                <table className="table table--compact" data-testid="admin-users-table">
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Roles</th>
                      <th scope="col">Groups</th>
                      <th scope="col">State</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {users.map((user) => {
                      const { locked } = user;
                      return (
                        <tr key={user.id} data-testid={`admin-user-${user.username}`}>
                          <td>
                            <strong>{user.username}</strong>
                            <div className="muted small">
                              {user.displayName}
                              {user.lastSignInAt &&
                                ` · signed in ${formatRelative(user.lastSignInAt)}`}
                            </div>
                          </td>
                          <td>{user.roles.join(', ') || '—'}</td>
                          <td>{user.groups.join(', ') || '—'}</td>
                          <td>
                            {user.disabled ? (
                              <span className="status status--failed">disabled</span>
                            ) : locked ? (
                              <span className="status status--failed">locked</span>
                            ) : (
                              <span className="status status--completed">active</span>
                            )}
                          </td>
                          <td>
                            <button
                              type="button"
                              className="btn btn--small"
                              aria-label={`Edit ${user.username}`}
                              onClick={() => setDialog({ kind: 'edit', user })}
                            >
                              Edit
                            </button>
                            <button
                              type="button"
                              className="btn btn--small"
                              aria-label={`Reset the password of ${user.username}`}
                              onClick={() => setDialog({ kind: 'password', user })}
                            >
                              Reset password
                            </button>
                            {locked && (
                              <button
                                type="button"
                                className="btn btn--small"
                                data-testid={`user-unlock-${user.username}`}
                                onClick={() =>
                                  void act(() => api.admin.users.unlock.mutate({ user: user.id }))
                                }
                              >
                                Unlock
                              </button>
                            )}
                            <button
                              type="button"
                              className={`btn btn--small${user.disabled ? '' : ' btn--danger'}`}
                              data-testid={`user-toggle-${user.username}`}
                              onClick={() =>
                                void act(() =>
                                  api.admin.users.update.mutate({
                                    user: user.id,
                                    disabled: !user.disabled,
                                  }),
                                )
                              }
                            >
                              {user.disabled ? 'Enable' : 'Disable'}
                            </button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </section>
            <div className="task-side">
              <section className="card task-panel" aria-labelledby="admin-groups">
                <div className="button-row">
                  <h2 id="admin-groups">Groups</h2>
                  <button
                    type="button"
                    className="btn btn--small"
                    onClick={() => setDialog({ kind: 'group' })}
                  >
                    + New group
                  </button>
                </div>
                <dl className="facts" data-testid="admin-groups">
                  {groups.map((group) => (
                    <div key={group.key} className="facts__row">
                      <dt className="mono">{group.key}</dt>
                      <dd>{group.members.join(', ') || '—'}</dd>
                    </div>
                  ))}
                </dl>
              </section>
              <section className="card task-panel" aria-labelledby="admin-roles">
                <h2 id="admin-roles">Roles</h2>
                <dl className="facts">
                  {roles.map((role) => (
                    <div key={role.name} className="facts__row">
                      <dt>{role.label}</dt>
                      <dd className="small">{role.permissions.map((p) => p.label).join('; ')}</dd>
                    </div>
                  ))}
                </dl>
              </section>
            </div>
          </div>
        )}
        {dialog?.kind === 'create' && (
          <UserDialog
            user={null}
            roles={roles}
            groups={groups}
            onClose={() => setDialog(null)}
            onSaved={saved}
          />
        )}
        {dialog?.kind === 'edit' && (
          <UserDialog
            user={dialog.user}
            roles={roles}
            groups={groups}
            onClose={() => setDialog(null)}
            onSaved={saved}
          />
        )}
        {dialog?.kind === 'password' && (
          <PasswordDialog user={dialog.user} onClose={() => setDialog(null)} onSaved={saved} />
        )}
        {dialog?.kind === 'group' && (
          <GroupDialog onClose={() => setDialog(null)} onSaved={saved} />
        )}
      </main>
    </div>
  );
}
