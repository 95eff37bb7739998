import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { formErrorOf } from '../installations/preference-choices';
import { preferenceSections, postedChoices } from '../installations/preference-page';
import { checkAuthorizationRequest, RedirectableError } from './authorization-request';
import { AuthorizeService, TransactionContext } from './authorize.service';
import { ClientsService } from './clients.service';
import { withResponseParams } from './redirect-uri';
import { sessionBinding } from './session-binding';
import { ApiTags } from '@nestjs/swagger';

function field(req: Request, name: string): unknown {
  const body: unknown = req.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

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
      return res.redirect(302, `/login?return_to=${encodeURIComponent(req.originalUrl)}`);
    }
    const { id, locations } = await this.authorize.begin(request, req.user.id, sessionBinding(req));
    const next = locations.length === 1 ? 'preferences' : 'location';
    res.redirect(302, `/oauth/authorize/${next}?transaction_id=${encodeURIComponent(id)}`);
  }

  @Get('location')
  async locationPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, req.query.transaction_id);
    await this.renderLocation(req, res, ctx, null, 200);
  }

  @Post('location')
  async chooseLocation(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, field(req, 'transaction_id'));
    if (field(req, 'decision') === 'deny') {
      const outcome = await this.authorize.deny(ctx);
      return this.redirectAfterPost(res, outcome.kind === 'redirect' ? outcome.url : '/');
    }
    if (!(await this.authorize.chooseLocation(ctx, field(req, 'location_id')))) {
      return this.renderLocation(req, res, ctx, 'Please choose one of your locations.', 400);
    }
    this.redirectAfterPost(res, `/oauth/authorize/preferences?transaction_id=${encodeURIComponent(ctx.id)}`);
  }

  @Get('preferences')
  async preferencesPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, req.query.transaction_id);
    await this.renderPreferences(req, res, ctx, { devices: {}, values: {} }, {}, 200);
  }

  @Post('decision')
  async decide(@Req() req: Request, @Res() res: Response): Promise<void> {
    const ctx = await this.load(req, field(req, 'transaction_id'));
    const decision = field(req, 'decision');
    if (decision !== 'allow') {
      const outcome = await this.authorize.deny(ctx);
      return this.redirectAfterPost(res, outcome.kind === 'redirect' ? outcome.url : '/');
    }
    const posted = field(req, 'settings');
    const outcome = await this.authorize.allow(ctx, posted);
    if (outcome.kind === 'redirect') {
      return this.redirectAfterPost(res, outcome.url);
    }
    await this.renderPreferences(req, res, ctx, postedChoices(posted), outcome.errors, outcome.status);
  }

  private load(req: Request, id: unknown): Promise<TransactionContext> {
    // the global guard has made sure req.user is set on these routes
    return this.authorize.load(id, req.user?.id ?? '', sessionBinding(req));
  }

  // RFC 9700 §4.11: after a POST, 303 so the browser does not re-post to the client
  private redirectAfterPost(res: Response, url: string): void {
    res.redirect(303, url);
  }

  private async renderLocation(req: Request, res: Response, ctx: TransactionContext, error: string | null, status: number): Promise<void> {
    const locations = await this.authorize.locationsOf(ctx.txn.accountId);
    res.status(status).render('oauth/location', {
      title: `Connect ${ctx.client.name}`,
      app: ctx.app,
      client: { name: ctx.client.name, host: new URL(ctx.txn.redirectUri).host },
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
    current: { devices: Record<string, string[]>; values: Record<string, string> },
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const location = await this.authorize.chosenLocation(ctx);
    if (!location) {
      return res.redirect(302, `/oauth/authorize/location?transaction_id=${encodeURIComponent(ctx.id)}`);
    }
    const devices = await this.authorize.devicesIn(location);
    res.status(status).render('oauth/preferences', {
      title: `Connect ${ctx.client.name}`,
      app: ctx.app,
      client: { name: ctx.client.name, host: new URL(ctx.txn.redirectUri).host },
      location,
      transactionId: ctx.id,
      sections: preferenceSections(ctx.version.definition, devices, current, errors),
      hasErrors: Object.keys(errors).length > 0,
      formError: formErrorOf(errors),
      action: '/oauth/authorize/decision',
      decisionAllow: 'allow',
      allowLabel: 'Authorize',
      canChangeLocation: true,
    });
  }
}
