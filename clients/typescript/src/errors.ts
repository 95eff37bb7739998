// The platform's error bodies as typed errors: RFC 6749 §5.2 / RFC 6750 bodies ({error,
// error_description}), the installation URL's SmartThings-classic bodies ({error: true, type,
// message}), and 429 with Retry-After. Anything else is a PlatformError with the body as it came.

/** Any reply with an error status; `body` is its JSON, or its text. */
export class PlatformError extends Error {
  override name = 'PlatformError';

  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

/** An OAuth error body: `error` is the RFC 6749 §5.2 / RFC 6750 §3.1 code (invalid_grant, invalid_token, …). */
export class OAuthError extends PlatformError {
  override name = 'OAuthError';

  constructor(
    status: number,
    body: unknown,
    readonly error: string,
    readonly errorDescription: string | null,
    what: string,
  ) {
    super(status, body, `${what}: ${status} ${error}${errorDescription ? `: ${errorDescription}` : ''}`);
  }
}

/** The installation URL's `{error: true, type, message}`: SmartAppException, AccessDenied, SmartAppTimeout, … */
export class InstallationError extends PlatformError {
  override name = 'InstallationError';

  constructor(
    status: number,
    body: unknown,
    readonly type: string,
    readonly detail: string,
    /** the id to look up in the SmartApp's log (500 and 504) */
    readonly errorId: string | null,
    what: string,
  ) {
    super(status, body, `${what}: ${status} ${type}${detail ? `: ${detail}` : ''}`);
  }
}

/** 429: try again after `retryAfterSeconds` (null when the platform did not say). */
export class RateLimitError extends PlatformError {
  override name = 'RateLimitError';

  constructor(
    body: unknown,
    readonly retryAfterSeconds: number | null,
    what: string,
  ) {
    super(429, body, `${what}: 429 too many requests${retryAfterSeconds === null ? '' : `, retry after ${retryAfterSeconds} s`}`);
  }
}

/** The OAuth 2.0 callback did not come from the request this client started (state mismatch), or carried no code. */
export class CallbackError extends Error {
  override name = 'CallbackError';
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, nowMs = Date.now()): number | null {
  if (header === null || header.trim() === '') {
    return null;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number(header.trim());
  }
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** The typed error for one failed reply. */
export function errorFrom(status: number, body: unknown, headers: { get(name: string): string | null } | null, what: string): PlatformError {
  if (status === 429) {
    // the installation URL's window says when it ends in X-RateLimit-TTL; the OAuth endpoints send Retry-After
    const wait = retryAfterSeconds(headers?.get('retry-after') ?? null) ?? retryAfterSeconds(headers?.get('x-ratelimit-ttl') ?? null);
    return new RateLimitError(body, wait, what);
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if (b.error === true && text(b.type)) {
      return new InstallationError(status, body, text(b.type) ?? '', text(b.message) ?? '', text(b.errorId), what);
    }
    const code = text(b.error);
    if (code) {
      return new OAuthError(status, body, code, text(b.error_description), what);
    }
  }
  const shown = typeof body === 'string' ? `: ${body.slice(0, 200)}` : '';
  return new PlatformError(status, body, `${what}: ${status}${shown}`);
}
