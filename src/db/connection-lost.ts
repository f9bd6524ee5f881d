/**
 * Whether an error means the connection to PostgreSQL is gone (server restarting or shut down,
 * refused, reset), as opposed to anything about the statement. The bulk runner retries those; the
 * API answers them 503 rather than 500.
 */

/** SQLSTATEs of a lost or refused connection (classes 08, 57P01-57P03) and socket errors below pg. */
const CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/**
 * pg's messages (no SQLSTATE) when the socket closes under a statement, or a statement is sent on a
 * client whose connection was cut while it was checked out.
 */
const PG_CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error and is not queryable)/;

/** True when `error` says the database connection was lost: `isConnectionLost(new Error('Connection terminated unexpectedly'))`. */
export function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return CODES.has(code);
  return error instanceof Error && PG_CONNECTION_LOST.test(error.message);
}
