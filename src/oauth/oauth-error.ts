export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'invalid_token'
  | 'invalid_client_metadata'
  | 'invalid_redirect_uri';

/** An RFC 6749 §5.2 error: sent as `{error, error_description}` with its status. */
export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    status?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.status = status ?? (code === 'invalid_client' ? 401 : code === 'server_error' ? 500 : 400);
  }

  static invalidClient(description: string, scheme: 'Basic' | null = null): OAuthError {
    return new OAuthError('invalid_client', description, 401, scheme ? { 'WWW-Authenticate': `Basic realm="oauth", error="invalid_client"` } : { 'WWW-Authenticate': 'Basic realm="oauth"' });
  }
}
