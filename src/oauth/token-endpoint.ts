import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import oauth2orize from 'oauth2orize';
import { ClientAuthenticator } from './client-authenticator';
import { tokenParameters } from './client-authentication';
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
    private readonly authenticator: ClientAuthenticator,
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
    const { params, inQuery } = tokenParameters(req);
    req.user = (await this.authenticator.authenticate(req, params, inQuery)) as unknown as Express.User;
    if (params.grant_type === undefined) {
      throw new OAuthError('invalid_request', 'grant_type is required');
    }
    // oauth2orize reads req.body; give it the checked single-valued parameters
    req.body = params;
    await new Promise<void>((resolve, reject) => {
      res.once('finish', () => resolve());
      this.middleware(req, res, ((err?: unknown) => reject(err instanceof Error ? err : new OAuthError('server_error', 'No response'))) as NextFunction);
    });
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
