import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { formObject } from '../common/form';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { pageMove, postedPage, PreferenceDraft } from '../installations/preference-flow';
import { clampPage, postedChoices, preferenceForm } from '../installations/preference-page';
import { checkAuthorizationRequest, RedirectableError } from './authorization-request';
import { AuthorizeService, DeniedAlready, TransactionContext } from './authorize.service';
import { consentChrome } from './consent-chrome';
import { ClientsService } from './clients.service';
import { withResponseParams } from './redirect-uri';
import { sessionBinding } from './session-binding';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('oauth')
@Controller('oauth/authorize')
export class AuthorizeController {
  constructor(
    private readonly authorize: AuthorizeService,
    private readonly clients: ClientsService,
  ) {}

  @Public()
  @Get()
  async start(@Req() req: Request, @Res() res: Response): Promise<void> {
    let request;
    try {
      request = await checkAuthorizationRequest(req.query, (id) => this.clients.find(id));
    } catch (err) {
      if (err instanceof RedirectableError) {
        return res.redirect(302, withResponseParams(err.redirectUri, { error: err.code, error_description: err.description, state: err.state, iss: this.authorize.issuer }));
      }
      throw err;
    }
    if (!req.user) {
      const app = await this.authorize.appOf(request.client);
      req.session.loginFor = {
        returnTo: req.originalUrl,
        client: request.client.name,
        app: app?.name ?? '',
        backUrl: withResponseParams(request.redirectUri, { error: 'access_denied', error_description: 'The user denied the request', state: request.state, iss: this.authorize.issuer }),
      };
      return res.redirect(302, `/login?return_to=${encodeURIComponent(req.originalUrl)}`);
    }
    const { id, locations } = await this.authorize.begin(request, req.user.id, sessionBinding(req));
    const next = locations.length === 1 ? 'preferences' : 'location';
    res.redirect(302, `/oauth/authorize/${next}?transaction_id=${encodeURIComponent(id)}`);
  }

  @Get('location')
  async locationPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, res, req.query.transaction_id);
    if (ctx) {
      await this.renderLocation(req, res, ctx, null, 200);
    }
  }

  @Post('location')
  async chooseLocation(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, res, formObject(req, 'transaction_id'));
    if (!ctx) {
      return;
    }
    if (formObject(req, 'decision') === 'deny') {
      const outcome = await this.authorize.deny(ctx);
      return this.redirectAfterPost(res, outcome.kind === 'redirect' ? outcome.url : '/');
    }
    if (!(await this.authorize.chooseLocation(ctx, formObject(req, 'location_id')))) {
      return this.renderLocation(req, res, ctx, 'Please choose one of your locations.', 400);
    }
    this.redirectAfterPost(res, `/oauth/authorize/preferences?transaction_id=${encodeURIComponent(ctx.id)}`);
  }

  @Get('preferences')
  async preferencesPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, res, req.query.transaction_id);
    if (ctx) {
      const page = postedPage(req.query.page) ?? 0;
      await this.renderPreferences(req, res, ctx, page, this.authorize.draftOf(ctx), {}, 200);
    }
  }

  @Post('decision')
  async decide(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, res, formObject(req, 'transaction_id'));
    if (!ctx) {
      return;
    }
    const move = pageMove(formObject(req, 'decision'), 'allow');
    if (move === null) {
      const outcome = await this.authorize.deny(ctx);
      return this.redirectAfterPost(res, outcome.kind === 'redirect' ? outcome.url : '/');
    }
    const outcome = await this.authorize.allow(ctx, formObject(req, 'settings'), postedPage(formObject(req, 'page')), move);
    if (outcome.kind === 'redirect') {
      return this.redirectAfterPost(res, outcome.url);
    }
    if (outcome.status === 303) {
      return this.redirectAfterPost(res, `/oauth/authorize/preferences?transaction_id=${encodeURIComponent(ctx.id)}&page=${outcome.page}`);
    }
    await this.renderPreferences(req, res, ctx, outcome.page, outcome.draft, outcome.errors, outcome.status);
  }

  /** The transaction; after a Deny, Back (or a repeated post) goes back to the client instead. */
  private async load(req: Request, res: Response, id: unknown): Promise<TransactionContext | null> {
    try {
      // the global guard has made sure req.user is set on these routes
      return await this.authorize.load(id, req.user?.id ?? '', sessionBinding(req));
    } catch (err) {
      if (err instanceof DeniedAlready) {
        res.redirect(303, err.url);
        return null;
      }
      throw err;
    }
  }

  // RFC 9700 §4.11: after a POST, 303 so the browser does not re-post to the client
  private redirectAfterPost(res: Response, url: string): void {
    res.redirect(303, url);
  }

  private async renderLocation(req: Request, res: Response, ctx: TransactionContext, error: string | null, status: number): Promise<void> {
    const locations = await this.authorize.locationsOf(ctx.txn.accountId);
    res.status(status).render('oauth/location', {
      title: `Connect ${ctx.client.name}`,
      ...consentChrome(ctx, this.authorize.deniedUrl(ctx.txn)),
      transactionId: ctx.id,
      locations: locations.map((l) => ({ ...l, checked: l.id === ctx.txn.locationId })),
      noLocations: locations.length === 0,
      error,
    });
  }

  private async renderPreferences(
    req: Request,
    res: Response,
    ctx: TransactionContext,
    page: number,
    draft: PreferenceDraft,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const location = await this.authorize.chosenLocation(ctx);
    if (!location) {
      return res.redirect(302, `/oauth/authorize/location?transaction_id=${encodeURIComponent(ctx.id)}`);
    }
    const devices = await this.authorize.devicesIn(location);
    const definition = ctx.version.definition;
    res.status(status).render('oauth/preferences', {
      title: `Connect ${ctx.client.name}`,
      ...consentChrome(ctx, this.authorize.deniedUrl(ctx.txn)),
      location,
      transactionId: ctx.id,
      form: preferenceForm(definition, { devices, modes: await this.authorize.modesOf(location), current: postedChoices(draft), errors, page: clampPage(definition, page) }),
      action: '/oauth/authorize/decision',
      decisionAllow: 'allow',
      allowLabel: 'Authorize',
      canChangeLocation: (await this.authorize.locationsOf(ctx.txn.accountId)).length > 1,
    });
  }
}
