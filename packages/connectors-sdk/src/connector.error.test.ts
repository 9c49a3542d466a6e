import { describe, expect, test } from 'vitest';
import { ConnectorError, ConnectorErrorCodes, isConnectorError } from './connector.error.ts';

describe('ConnectorError', () => {
  test.each(Object.entries(ConnectorErrorCodes))(
    '%s defaults retryable to the code table',
    (code, entry) => {
      const error = new ConnectorError(code as keyof typeof ConnectorErrorCodes, 'x');
      expect(error.retryable).toBe(entry.retryable);
    },
  );

  test('carries details, retryAfterMs and a native cause, and serialises without the cause', () => {
    const cause = new Error('socket hang up');
    const error = new ConnectorError('RATE_LIMITED', 'slow down', {
      retryAfterMs: 2000,
      details: { status: 429 },
      cause,
    });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ConnectorError',
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryable: true,
      retryAfterMs: 2000,
      details: { status: 429 },
    });
  });

  test('is recognised across copies of the SDK through its Symbol.for brand', () => {
    // What another bundled copy of the SDK would create: a different class with the same brand.
    class OtherCopyError extends Error {
      readonly code = 'RETRYABLE';
      constructor(message: string) {
        super(message);
        Object.defineProperty(this, Symbol.for('waybill.connectors-sdk.ConnectorError'), {
          value: true,
        });
      }
    }
    const foreign = new OtherCopyError('from another copy');
    expect(isConnectorError(foreign)).toBe(true);
    expect(foreign instanceof ConnectorError).toBe(true);
    expect(isConnectorError(new Error('plain'))).toBe(false);
    expect(isConnectorError({ code: 'RETRYABLE' })).toBe(false);
    expect(isConnectorError(null)).toBe(false);
  });
});
