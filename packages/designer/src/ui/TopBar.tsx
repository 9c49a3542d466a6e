import type { ReactElement, ReactNode } from 'react';
import { useAuth } from '../auth/AuthContext.ts';
import { UserMenu } from '../auth/UserMenu.tsx';

/** The sections a user may open, by permission. */
const SECTIONS = [
  { href: '#/', label: 'Flows', permission: 'flows:read' },
  { href: '#/inbox', label: 'Inbox', permission: 'tasks:work' },
  { href: '#/gallery', label: 'Templates', permission: 'flows:read' },
  { href: '#/intelligence', label: 'Intelligence', permission: 'instances:read' },
  { href: '#/admin', label: 'Administration', permission: 'users:manage' },
] as const;

/** The application bar: brand, where the user is, and the page's actions. */
export function TopBar({
  crumbs,
  children,
}: {
  crumbs?: ReactNode;
  children?: ReactNode;
}): ReactElement {
  const permissions = useAuth()?.user.permissions ?? [];
  const sections = SECTIONS.filter((section) => permissions.includes(section.permission));
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
        {sections.length > 0 && (
          <nav className="topbar__sections" aria-label="Sections">
            {sections.map((section) => (
              <a
                key={section.href}
                className="btn btn--ghost"
                href={section.href}
                data-testid={`nav-${section.href.replace(/[#/]/g, '') || 'flows'}`}
              >
                {section.label}
              </a>
            ))}
          </nav>
        )}
        <UserMenu />
      </div>
    </header>
  );
}
