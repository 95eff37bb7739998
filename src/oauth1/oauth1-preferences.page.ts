import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { formErrorOf } from '../installations/preference-choices';
import { preferenceSections } from '../installations/preference-page';
import { OAuth1AuthorizeContext, OAuth1AuthorizeService } from './oauth1-authorize.service';

/** The OAuth2 preference page (views/oauth/preferences), posting to the OAuth 1.0a decision. */
@Injectable()
export class OAuth1PreferencesPage {
  constructor(private readonly authorize: OAuth1AuthorizeService) {}

  async render(
    res: Response,
    ctx: OAuth1AuthorizeContext,
    current: { devices: Record<string, string[]>; values: Record<string, string> },
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const devices = await this.authorize.devicesIn(ctx);
    res.status(status).render('oauth/preferences', {
      title: `Connect ${ctx.client.name}`,
      app: ctx.app,
      client: { name: ctx.client.name, host: new URL(ctx.callbackUrl).host },
      location: ctx.location,
      // the request token is already in the page's URL; it names this consent like a transaction id
      transactionId: ctx.token,
      sections: preferenceSections(ctx.version.definition, devices, current, errors),
      hasErrors: Object.keys(errors).length > 0,
      formError: formErrorOf(errors),
      action: '/oauth1/authorize/decision',
      decisionAllow: 'allow',
      allowLabel: 'Authorize',
      canChangeLocation: false,
    });
  }
}
