// A failure on the platform's side — the sandbox lost a call (its worker died, the pool was shut
// down), the database is unreachable, busy or closed — is never the SmartApp's or the client's
// fault: the request is answered 503 with Retry-After, and queued work is retried, never dropped.

export const RETRY_AFTER_SECONDS = 5;

export class PlatformUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformUnavailableError';
  }
}

// PostgreSQL SQLSTATEs of a lost or refused connection, a shutdown, too many connections, a
// serialization failure or deadlock, a lock not available: retrying later is the answer.
const PG_TRANSIENT = /^(08...|57P0[1-3]|53300|40001|40P01|55P03)$/;
const NODE_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_MISUSE']);
const TYPEORM_TRANSIENT = new Set(['ConnectionIsNotSetError', 'QueryRunnerAlreadyReleasedError', 'ConnectionNotFoundError', 'CannotExecuteNotConnectedError']);
const MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Database is closed/i, /Driver not Connected/i, /Client was closed/i, /Cannot use a pool after calling end/i];

function codeOf(err: object): string | undefined {
  const direct = (err as { code?: unknown }).code;
  if (typeof direct === 'string') {
    return direct;
  }
  const driver = (err as { driverError?: unknown }).driverError;
  const nested = typeof driver === 'object' && driver !== null ? (driver as { code?: unknown }).code : undefined;
  return typeof nested === 'string' ? nested : undefined;
}

/** True for an error that is the platform's (sandbox or database unavailable), not the request's. */
export function isPlatformFailure(err: unknown): boolean {
  if (err instanceof PlatformUnavailableError) {
    return true;
  }
  if (!(err instanceof Error)) {
    return false;
  }
  const code = codeOf(err);
  if (code !== undefined && (PG_TRANSIENT.test(code) || NODE_TRANSIENT.has(code))) {
    return true;
  }
  return TYPEORM_TRANSIENT.has(err.name) || TYPEORM_TRANSIENT.has(err.constructor.name) || MESSAGES.some((m) => m.test(err.message));
}
