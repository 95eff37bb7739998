import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { withResponseParams } from '../oauth/redirect-uri';
import { CurrentChoices, preferenceForm } from '../installations/preference-page';
import { OAuth1AuthorizeContext, OAuth1AuthorizeService } from './oauth1-authorize.service';

/** The OAuth2 preference page (views/oauth/preferences), posting to the OAuth 1.0a decision. */
@Injectable()
export class OAuth1PreferencesPage {
  constructor(private readonly authorize: OAuth1AuthorizeService) {}

  async render(
    res: Response,
    ctx: OAuth1AuthorizeContext,
    current: CurrentChoices,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const devices = await this.authorize.devicesIn(ctx);
    res.status(status).render('oauth/preferences', {
      title: `Connect ${ctx.client.name}`,
      layout: 'layouts/focused',
      app: {
        name: ctx.app.name,
        description: ctx.app.description,
        author: ctx.app.author,
        iconUrl: ctx.version.definition.iconUrl ?? null,
        displayLink: ctx.version.definition.oauth?.displayLink ?? null,
      },
      client: { name: ctx.client.name, host: new URL(ctx.callbackUrl).host },
      backUrl: withResponseParams(ctx.callbackUrl, { denied: ctx.token }),
      location: ctx.location,
      // the request token is already in the page's URL; it names this consent like a transaction id
      transactionId: ctx.token,
      // one page with every section: the request token keeps no draft between pages (docs/smart.md)
      form: preferenceForm({ ...ctx.version.definition, pages: undefined }, { devices, modes: await this.authorize.modesOf(ctx), current, errors }),
      action: '/oauth1/authorize/decision',
      decisionAllow: 'allow',
      allowLabel: 'Authorize',
      canChangeLocation: false,
    });
  }
}
