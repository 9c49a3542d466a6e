/**
 * Routes by the URL hash (`#/` flow list, `#/flows/<key>` editor, `#/inbox`, `#/tasks/<id>`,
 * `#/admin`), so the platform can serve the build as static files at `/` without any
 * server-side routing.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ReactElement } from 'react';
import { useAuth } from './auth/AuthContext.ts';
import { AuthGate } from './auth/AuthGate.tsx';
import { FlowEditorPage } from './flows/FlowEditorPage.tsx';
import { FlowListPage } from './flows/FlowListPage.tsx';
import { GalleryPage } from './gallery/GalleryPage.tsx';
import { IntelligencePage } from './intelligence/IntelligencePage.tsx';
import { AdminPage } from './admin/AdminPage.tsx';
import { InboxPage } from './inbox/InboxPage.tsx';
import { taskIdOf } from './inbox/routes.ts';
import { TaskPage } from './inbox/TaskPage.tsx';

type Route =
  | { page: 'list' }
  | { page: 'flow'; key: string }
  | { page: 'inbox' }
  | { page: 'task'; taskId: string }
  | { page: 'admin' }
  | { page: 'gallery' }
  | { page: 'intelligence'; hash: string };

/** Reads a route from a hash like `#/flows/billing-readiness`. */
export function parseRoute(hash: string): Route {
  const match = /^#\/flows\/([^/?#]+)/.exec(hash);
  if (match?.[1]) return { page: 'flow', key: decodeURIComponent(match[1]) };
  const taskId = taskIdOf(hash);
  if (taskId) return { page: 'task', taskId };
  if (/^#\/inbox\b/.test(hash)) return { page: 'inbox' };
  if (/^#\/admin\b/.test(hash)) return { page: 'admin' };
  if (/^#\/gallery\b/.test(hash)) return { page: 'gallery' };
  if (/^#\/intelligence\b/.test(hash)) return { page: 'intelligence', hash };
  return { page: 'list' };
}

function titleOf(route: Route): string {
  switch (route.page) {
    case 'flow':
      return `${route.key} · Waybill`;
    case 'inbox':
      return 'Inbox · Waybill';
    case 'task':
      return 'Task · Waybill';
    case 'admin':
      return 'Administration · Waybill';
    case 'gallery':
      return 'Template gallery · Waybill';
    case 'intelligence':
      return 'Process intelligence · Waybill';
    case 'list':
      return 'Flows · Waybill';
  }
}

/** The start page: the flow list, or the inbox for approvers, who do not work on flows. */
function Home({ onOpen }: { onOpen: (key: string) => void }): ReactElement {
  const permissions = useAuth()?.user.permissions ?? [];
  if (!permissions.includes('flows:read') && permissions.includes('tasks:work'))
    return <InboxPage />;
  return <FlowListPage onOpen={onOpen} />;
}

export function App(): ReactElement {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHash = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const open = useCallback((key: string) => {
    window.location.hash = `#/flows/${encodeURIComponent(key)}`;
  }, []);
  useEffect(() => {
    document.title = titleOf(route);
  }, [route]);
  return (
    <AuthGate>
      {route.page === 'flow' ? (
        <FlowEditorPage flowKey={route.key} />
      ) : route.page === 'inbox' ? (
        <InboxPage />
      ) : route.page === 'task' ? (
        <TaskPage key={route.taskId} taskId={route.taskId} />
      ) : route.page === 'admin' ? (
        <AdminPage />
      ) : route.page === 'gallery' ? (
        <GalleryPage />
      ) : route.page === 'intelligence' ? (
        <IntelligencePage hash={route.hash} />
      ) : (
        <Home onOpen={open} />
      )}
    </AuthGate>
  );
}
