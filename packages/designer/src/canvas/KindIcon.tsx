import type { FlowNodeType } from '@waybill/shared';
import type { ReactElement } from 'react';

function paths(kind: FlowNodeType | 'flow'): ReactElement {
  switch (kind) {
    case 'start':
      return <path d="M6.5 4.5l9 5.5-9 5.5z" fill="currentColor" />;
    case 'readinessGate':
      return <path d="M3.5 6l1.8 1.8L8.5 4.6M3.5 13l1.8 1.8 3.2-3.2M11 6.5h6M11 13.5h6" />;
    case 'decision':
      return <path d="M10 2.5l7.5 7.5-7.5 7.5L2.5 10z" />;
    case 'connectorCall':
      return <path d="M3 7h13.5l-3-3M17 13H3.5l3 3" />;
    case 'waitForEvent':
      return (
        <>
          <rect x="2.5" y="4.5" width="15" height="11" rx="1.8" />
          <path d="M3 5.5l7 5.5 7-5.5" />
        </>
      );
    case 'timer':
      return (
        <>
          <circle cx="10" cy="11" r="6.3" />
          <path d="M10 7.8V11l2.3 1.6M7.8 2.6h4.4" />
        </>
      );
    case 'humanTask':
      return (
        <>
          <circle cx="10" cy="6.3" r="3.1" />
          <path d="M3.8 17.2c.9-3.3 3.3-5.1 6.2-5.1s5.3 1.8 6.2 5.1" />
        </>
      );
    case 'parallel':
      return (
        <>
          <path d="M10 2.5l7.5 7.5-7.5 7.5L2.5 10z" />
          <path d="M10 6.5v7M6.5 10h7" />
        </>
      );
    case 'subflow':
      return (
        <>
          <rect x="2.5" y="4" width="15" height="12" rx="2" />
          <path d="M7 10h6M10.5 7.5L13 10l-2.5 2.5" />
        </>
      );
    case 'exception':
      return (
        <>
          <path d="M10 3l7.8 13.5H2.2z" />
          <path d="M10 8.2v3.6M10 14.2v.1" />
        </>
      );
    case 'classify':
      return (
        <>
          <path d="M3 4.5h14l-5.3 6.2v4.8l-3.4 1.5v-6.3z" />
        </>
      );
    case 'end':
      return <rect x="5" y="5" width="10" height="10" rx="1.8" fill="currentColor" />;
    case 'flow':
      return (
        <>
          <circle cx="4.5" cy="10" r="2" />
          <circle cx="15.5" cy="5" r="2" />
          <circle cx="15.5" cy="15" r="2" />
          <path d="M6.5 10h3M9.5 5v10M9.5 5h4M9.5 15h4" />
        </>
      );
  }
}

/** The pictogram of a node kind (or `flow` for flow settings), drawn in the current colour. */
export function KindIcon({
  kind,
  size = 16,
}: {
  kind: FlowNodeType | 'flow';
  size?: number;
}): ReactElement {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {paths(kind)}
    </svg>
  );
}
