import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { FailureLimiter } from '../common/failure-limiter';
import { ClientsService } from './clients.service';
import { presentedCredentials } from './client-authentication';
import { OAuthClient } from './oauth-client.entity';
import { OAuthError } from './oauth-error';

// Client authentication for the token, revocation and introspection endpoints (RFC 6749 §2.3).
// Failures count per client id and address; past the limit the client waits (Retry-After).
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientsService,
    private readonly failures: FailureLimiter,
  ) {}

  /** `inQuery`: every parameter came in the query string (GET, or a POST without a body). */
  async authenticate(req: Request, params: Record<string, string>, inQuery = false): Promise<OAuthClient> {
    const presented = presentedCredentials(req, params, inQuery);
    const key = `client:${presented.clientId}:${req.ip ?? ''}`;
    const wait = this.failures.retryAfter(key);
    if (wait > 0) {
      throw new OAuthError('invalid_client', `Too many failed client authentications; retry after ${wait} seconds`, 429, { 'Retry-After': String(wait) });
    }
    const scheme = presented.method === 'basic' ? 'Basic' : null;
    const client = await this.clients.findForAuthentication(presented.clientId);
    const fail = (description: string): OAuthError => {
      this.failures.recordFailure(key);
      return OAuthError.invalidClient(description, scheme);
    };
    if (!client) {
      throw fail('Client authentication failed');
    }
    if (inQuery && !client.classicCompat) {
      throw new OAuthError('invalid_request', 'The token endpoint takes POST with application/x-www-form-urlencoded parameters in the body');
    }
    if (presented.method === 'query' && !client.classicCompat) {
      throw new OAuthError('invalid_request', 'Client credentials must not be sent in the query string');
    }
    if (presented.alsoInBody) {
      if (!client.classicCompat) {
        throw new OAuthError('invalid_request', 'Use one client authentication method: HTTP Basic or client_secret in the body, not both');
      }
      const body = presented.alsoInBody;
      if (body.clientSecret !== presented.clientSecret || (body.clientId !== undefined && body.clientId !== presented.clientId)) {
        throw fail('The credentials in HTTP Basic and in the body differ');
      }
    }
    if (client.clientSecretHash === null) {
      if (presented.clientSecret !== null) {
        throw fail('This client is public and has no secret');
      }
      return client;
    }
    if (presented.clientSecret === null || !this.clients.secretMatches(client, presented.clientSecret)) {
      throw fail('Client authentication failed');
    }
    return client;
  }
}
