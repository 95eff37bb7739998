import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import oauth2orize from 'oauth2orize';
import { ClientsService } from './clients.service';
import { formParameters, presentedCredentials } from './client-authentication';
import { OAuthClient } from './oauth-client.entity';
import { OAuthError } from './oauth-error';
import { IssuedTokens, TokensService } from './tokens.service';

type Issued = (err: Error | null, accessToken?: string, refreshToken?: string, params?: Record<string, unknown>) => void;

/**
 * The token endpoint: our client authentication and parameter checks, then oauth2orize's
 * exchanges (authorization_code, refresh_token), whose callbacks only call TokensService.
 */
@Injectable()
export class TokenEndpoint {
  private readonly middleware: RequestHandler;

  constructor(
    private readonly clients: ClientsService,
    private readonly tokens: TokensService,
  ) {
    const server = oauth2orize.createServer();
    server.exchange(
      oauth2orize.exchange.code((client: OAuthClient, code: string, redirectUri: string, body: Record<string, unknown>, done: Issued) => {
        const verifier = typeof body.code_verifier === 'string' ? body.code_verifier : undefined;
        this.respond(this.tokens.exchangeCode(client, code, redirectUri, verifier), done);
      }),
    );
    server.exchange(
      oauth2orize.exchange.refreshToken((client: OAuthClient, refreshToken: string, scope: string[] | undefined, done: Issued) => {
        this.respond(this.tokens.refresh(client, refreshToken, scope), done);
      }),
    );
    this.middleware = server.token() as RequestHandler;
  }

  /** Resolves once the response is written; rejects with an OAuthError (or oauth2orize's TokenError). */
  async handle(req: Request, res: Response): Promise<void> {
    const params = formParameters(req);
    req.user = (await this.authenticateClient(req, params)) as unknown as Express.User;
    if (params.grant_type === undefined) {
      throw new OAuthError('invalid_request', 'grant_type is required');
    }
    // oauth2orize reads req.body; give it the checked single-valued parameters
    req.body = params;
    await new Promise<void>((resolve, reject) => {
      res.once('finish', () => resolve());
      this.middleware(req, res, ((err?: unknown) => reject(err ?? new OAuthError('server_error', 'No response'))) as NextFunction);
    });
  }

  private async authenticateClient(req: Request, params: Record<string, string>): Promise<OAuthClient> {
    const presented = presentedCredentials(req, params);
    const client = await this.clients.find(presented.clientId);
    const scheme = presented.method === 'basic' ? 'Basic' : null;
    if (!client) {
      throw OAuthError.invalidClient('Client authentication failed', scheme);
    }
    if (presented.method === 'query' && !client.classicCompat) {
      throw new OAuthError('invalid_request', 'Client credentials must not be sent in the query string');
    }
    if (client.clientSecretHash === null) {
      if (presented.clientSecret !== null) {
        throw OAuthError.invalidClient('This client is public and has no secret', scheme);
      }
      return client;
    }
    if (presented.clientSecret === null || !this.clients.secretMatches(client, presented.clientSecret)) {
      throw OAuthError.invalidClient('Client authentication failed', scheme);
    }
    return client;
  }

  private respond(pending: Promise<IssuedTokens>, done: Issued): void {
    pending.then(
      (t) =>
        done(null, t.accessToken, t.refreshToken ?? undefined, {
          token_type: 'bearer',
          expires_in: t.expiresIn,
          scope: t.scope,
          installation_id: t.installationId,
        }),
      (err: Error) => done(err),
    );
  }
}
