import type { ReactElement, ReactNode } from 'react';
import { UserMenu } from '../auth/UserMenu.tsx';

/** The application bar: brand, where the user is, and the page's actions. */
export function TopBar({
  crumbs,
  children,
}: {
  crumbs?: ReactNode;
  children?: ReactNode;
}): ReactElement {
  return (
    <header className="topbar">
      <a className="topbar__brand" href="#/" title="All flows">
        <span className="topbar__logo" aria-hidden="true">
          W
        </span>
        Waybill
      </a>
      {crumbs && (
        <nav className="topbar__crumbs" aria-label="Breadcrumb">
          {crumbs}
        </nav>
      )}
      <div className="topbar__actions">
        {children}
        <UserMenu />
      </div>
    </header>
  );
}
