/**
 * Routes by the URL hash (`#/` flow list, `#/flows/<key>` editor), so the platform can serve
 * the build as static files at `/` without any server-side routing.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ReactElement } from 'react';
import { AuthGate } from './auth/AuthGate.tsx';
import { FlowEditorPage } from './flows/FlowEditorPage.tsx';
import { FlowListPage } from './flows/FlowListPage.tsx';
import { GalleryPage } from './gallery/GalleryPage.tsx';
import { IntelligencePage } from './intelligence/IntelligencePage.tsx';

type Route =
  | { page: 'list' }
  | { page: 'flow'; key: string }
  | { page: 'gallery' }
  | { page: 'intelligence'; hash: string };

/** Reads a route from a hash like `#/flows/billing-readiness`. */
export function parseRoute(hash: string): Route {
  const match = /^#\/flows\/([^/?#]+)/.exec(hash);
  if (match?.[1]) return { page: 'flow', key: decodeURIComponent(match[1]) };
  if (/^#\/gallery\b/.test(hash)) return { page: 'gallery' };
  if (/^#\/intelligence\b/.test(hash)) return { page: 'intelligence', hash };
  return { page: 'list' };
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
    document.title = route.page === 'flow' ? `${route.key} · Waybill` : 'Flows · Waybill';
  }, [route]);
  return (
    <AuthGate>
      {route.page === 'flow' ? (
        <FlowEditorPage flowKey={route.key} />
      ) : route.page === 'gallery' ? (
        <GalleryPage />
      ) : route.page === 'intelligence' ? (
        <IntelligencePage hash={route.hash} />
      ) : (
        <FlowListPage onOpen={open} />
      )}
    </AuthGate>
  );
}
