import { Controller, Post, Req, Res } from '@nestjs/common';
import { formObject } from '../common/form';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { postedChoices } from '../installations/preference-page';
import { sessionBinding } from '../oauth/session-binding';
import { OAuth1AuthorizeService } from './oauth1-authorize.service';
import { OAuth1PreferencesPage } from './oauth1-preferences.page';

// The consent form of GET /oauth/authorize?oauth_token=… posts here (session and CSRF as every form).
@ApiExcludeController()
@Controller('oauth1/authorize')
export class OAuth1AuthorizeController {
  constructor(
    private readonly authorize: OAuth1AuthorizeService,
    private readonly page: OAuth1PreferencesPage,
  ) {}

  @Post('decision')
  async decide(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.authorize.open(formObject(req, 'transaction_id'), req.user?.id ?? '', sessionBinding(req));
    const posted = formObject(req, 'settings');
    const outcome = formObject(req, 'decision') === 'allow' ? await this.authorize.allow(ctx, posted) : await this.authorize.deny(ctx);
    if (outcome.kind === 'redirect') {
      // RFC 9700 §4.11: 303 after a POST
      return res.redirect(303, outcome.url);
    }
    await this.page.render(res, ctx, postedChoices(posted), outcome.errors, 400);
  }
}
