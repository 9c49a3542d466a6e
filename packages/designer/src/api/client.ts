/**
 * The designer's only way to the platform: a tRPC client over `/trpc`, typed by the runtime's
 * router (imported as a type, so no runtime code reaches the bundle).
 */
import {
  TRPCClientError,
  createTRPCClient,
  httpBatchLink,
  httpLink,
  splitLink,
} from '@trpc/client';
import type { Problem } from '@waybill/shared';
import type { AppRouter } from '@waybill/runtime';
import { announceSignedOut, csrfHeaders } from '../auth/session.ts';

/** Every call carries the session cookie and the CSRF header; a 401 means the session ended. */
const session = {
  headers: csrfHeaders,
  fetch: async (url: URL | RequestInfo, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, { ...init, credentials: 'same-origin' });
    if (response.status === 401) announceSignedOut();
    return response;
  },
};

export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      // A validation carries the whole definition, too long for a URL once a flow is large.
      condition: (op) => op.path === 'flows.validate',
      true: httpLink({ url: '/trpc', methodOverride: 'POST', ...session }),
      false: httpBatchLink({ url: '/trpc', ...session }),
    }),
  ],
});

export type FlowSummary = Awaited<ReturnType<typeof api.flows.list.query>>[number];
export type FlowDetail = Awaited<ReturnType<typeof api.flows.get.query>>;
export type FlowVersionInfo = FlowDetail['versions'][number];
export type ConnectorDescription = Awaited<ReturnType<typeof api.connectors.list.query>>[number];
export type ConnectorOperation = ConnectorDescription['operations'][number];
export type InstanceSummary = Awaited<ReturnType<typeof api.instances.list.query>>[number];
export type InstanceDetail = Awaited<ReturnType<typeof api.instances.get.query>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isProblem(value: unknown): value is Problem {
  return (
    isRecord(value) &&
    typeof value.message === 'string' &&
    typeof value.field === 'string' &&
    (value.severity === 'error' || value.severity === 'warning')
  );
}

/** The problems a refused publish carries in `error.data.problems`; null when there are none. */
export function problemsOfError(error: unknown): Problem[] | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  if (!isRecord(data) || !Array.isArray(data.problems)) return null;
  const problems = data.problems.filter(isProblem);
  return problems.length > 0 ? problems : null;
}

/** The tRPC error code (`CONFLICT`, `NOT_FOUND`, …) of a failed call, if any. */
export function errorCode(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  return isRecord(data) && typeof data.code === 'string' ? data.code : null;
}

/** A message fit to show a user, for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    if (isRecord(data) && isRecord(data.fieldErrors)) {
      const fields = Object.entries(data.fieldErrors)
        .map(
          ([field, messages]) =>
            `${field}: ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`,
        )
        .join('; ');
      if (fields) return fields;
    }
    if (error.message.startsWith('Unexpected token') || error.message.includes('JSON')) {
      return 'The platform did not answer (is it running?).';
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
