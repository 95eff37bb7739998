import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { sessionBinding } from '../oauth/session-binding';
import { OAuth1PreferencesPage } from './oauth1-preferences.page';
import { OAuth1AuthorizeService } from './oauth1-authorize.service';

// GET /oauth/authorize is shared with OAuth2: a request with oauth_token is OAuth 1.0a's
// (RFC 5849 §2.2) and is answered here; anything else goes on to the OAuth2 controller.
@Injectable()
export class OAuth1AuthorizeMiddleware implements NestMiddleware {
  constructor(
    private readonly authorize: OAuth1AuthorizeService,
    private readonly page: OAuth1PreferencesPage,
  ) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.method !== 'GET' || req.path.replace(/\/$/, '') !== '/oauth/authorize' || (req.query as Record<string, unknown>).oauth_token === undefined) {
      return next();
    }
    if (!req.user) {
      return res.redirect(302, `/login?return_to=${encodeURIComponent(req.originalUrl)}`);
    }
    try {
      const ctx = await this.authorize.open(req.query.oauth_token, req.user.id, sessionBinding(req));
      await this.page.render(res, ctx, { devices: {}, values: {} }, {}, 200);
    } catch (err) {
      next(err);
    }
  }
}
