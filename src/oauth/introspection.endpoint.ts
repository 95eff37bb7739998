import { Injectable, NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FORM_LIMITS, FormBodyError, isPlainForm, readFormBody } from '../common/form-body';
import type { FrontDoorRoute } from '../common/front-door';
import { ClientAuthenticator } from './client-authenticator';
import { formParameters } from './client-authentication';
import { OAuthError } from './oauth-error';
import { TokensService } from './tokens.service';

/**
 * RFC 7662 introspection, mounted by OAuthModule as a middleware on `POST /oauth/introspect`, so a
 * resource server's call skips the Nest route machinery (route matching over every controller,
 * the guard, parameter resolution, Express's `res.json` with its ETag): issue 10 point 4. Errors
 * still go through the global error filter (an OAuthError is answered as RFC 6749 §5.2 says). The
 * controller route (TokenManagementController) answers with this same code and documents the route.
 */
@Injectable()
export class IntrospectionEndpoint implements NestMiddleware {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly tokens: TokensService,
  ) {}

  /**
   * The front door's route (src/common/front-door.ts): a plain form POST to exactly
   * `/oauth/introspect`, every resource server's call, skips Express's router and body parsers too.
   * Anything else (JSON, a query string, another charset) comes through Express to `use`.
   */
  readonly frontDoor: FrontDoorRoute = {
    route: '/oauth/introspect',
    takes: (req) => req.method === 'POST' && req.url === '/oauth/introspect' && isPlainForm(req),
    handle: async (req, res) => {
      try {
        req.body = await readFormBody(req, FORM_LIMITS.bytes, FORM_LIMITS.parameters);
      } catch (err) {
        throw err instanceof FormBodyError ? new OAuthError('invalid_request', err.message, err.status) : err;
      }
      await this.use(req, res);
    },
  };

  async use(req: Request, res: Response): Promise<void> {
    const params = formParameters(req);
    const client = await this.authenticator.authenticate(req, params);
    if (!params.token) {
      throw new OAuthError('invalid_request', 'token is required');
    }
    const body = JSON.stringify(await this.tokens.introspect(client, params.token));
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(body);
  }
}
