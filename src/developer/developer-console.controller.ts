import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AccountSummary } from '../accounts/accounts.service';
import { setFlash, takeFlash } from '../common/flash';
import { formField } from '../common/form';
import { DeveloperConsoleService } from './developer-console.service';
import { SmartAppDetail } from './developer-smartapps.service';
import { ApiExcludeController } from '@nestjs/swagger';

function account(req: Request): AccountSummary {
  // console routes have no access decorator: the guard has made sure of a logged-in session
  return req.user!;
}

const STARTER = `export default {
  definition: { name: 'My SmartApp', namespace: 'me', author: 'Me', description: 'What it does' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Which switches?', multiple: true }] }],
  mappings: { '/switches': { GET: 'listSwitches' } },
  handlers: {
    listSwitches(ctx) {
      return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') }))
    },
  },
}
`;

interface DetailExtras {
  versionErrors?: { path: string; message: string }[];
  source?: string;
  oauthErrors?: { path: string; message: string }[];
  oauthForm?: { redirectUris: string; clientName: string; callbackPrefixes: string; classicCompat: boolean };
}

// The developer console (/developer): SmartApps, their versions, OAuth client and logs, and API tokens.
@ApiExcludeController() // browser pages
@Controller('developer')
export class DeveloperConsoleController {
  constructor(private readonly console: DeveloperConsoleService) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.console.isDeveloper(account(req))) {
      return res.render('developer/enroll', { title: 'Developer console' });
    }
    const { apps, tokens } = await this.console.overview(account(req));
    res.render('developer/index', { title: 'Developer console', apps, tokens, flash: takeFlash(req) });
  }

  @Post('enroll')
  async enroll(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.console.enroll(account(req));
    setFlash(req, 'Your account is now a developer account.');
    res.redirect(303, '/developer');
  }

  @Post('tokens')
  async createToken(@Req() req: Request, @Res() res: Response): Promise<void> {
    const created = await this.console.createToken(account(req), formField(req, 'name'));
    res.set('Cache-Control', 'no-store').status(201).render('developer/token-created', { title: 'New API token', token: created.token, view: created.view });
  }

  @Post('tokens/:tokenId/revoke')
  async revokeToken(@Req() req: Request, @Res() res: Response, @Param('tokenId') tokenId: string): Promise<void> {
    await this.console.revokeToken(account(req), tokenId);
    setFlash(req, 'The token was revoked: it no longer works.');
    res.redirect(303, '/developer');
  }

  @Get('smartapps/new')
  newSmartApp(@Req() req: Request, @Res() res: Response): void {
    this.console.mustBeDeveloper(account(req));
    res.render('developer/new', { title: 'Publish a SmartApp', source: STARTER });
  }

  @Post('smartapps')
  async publish(@Req() req: Request, @Res() res: Response): Promise<void> {
    const source = formField(req, 'source');
    const outcome = await this.console.publish(account(req), source);
    if (!outcome.ok) {
      return res.status(400).render('developer/new', { title: 'Publish a SmartApp', source, errors: outcome.details, message: outcome.message });
    }
    setFlash(req, 'Published version 1.');
    res.redirect(303, `/developer/smartapps/${outcome.value.id}`);
  }

  @Get('smartapps/:id')
  async show(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    this.renderDetail(req, res, await this.console.detail(account(req), id), 200, {});
  }

  @Post('smartapps/:id/versions')
  async publishVersion(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const source = formField(req, 'source');
    const outcome = await this.console.publishVersion(account(req), id, source);
    if (!outcome.ok) {
      return this.renderDetail(req, res, await this.console.detail(account(req), id), 400, { versionErrors: outcome.details, source });
    }
    setFlash(req, `Published version ${outcome.value.version}. Existing installations run it from their next call.`);
    res.redirect(303, `/developer/smartapps/${id}`);
  }

  @Post('smartapps/:id/oauth')
  async configureOAuth(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const form = {
      redirectUris: formField(req, 'redirect_uris'),
      clientName: formField(req, 'client_name'),
      callbackPrefixes: formField(req, 'callback_prefixes'),
      classicCompat: formField(req, 'classic_compat') === 'true',
    };
    const outcome = await this.console.configureOAuth(account(req), id, form);
    if (!outcome.ok) {
      return this.renderDetail(req, res, await this.console.detail(account(req), id), 400, { oauthErrors: outcome.details, oauthForm: form });
    }
    if (outcome.value.client_secret) {
      return res.set('Cache-Control', 'no-store').status(200).render('developer/secrets', { title: 'OAuth enabled', smartAppId: id, secrets: outcome.value, created: true });
    }
    setFlash(req, 'OAuth settings saved.');
    res.redirect(303, `/developer/smartapps/${id}`);
  }

  @Post('smartapps/:id/oauth/rotate-secret')
  async rotateSecret(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const outcome = await this.console.rotateSecret(account(req), id);
    if (!outcome.ok) {
      setFlash(req, outcome.message);
      return res.redirect(303, `/developer/smartapps/${id}`);
    }
    res.set('Cache-Control', 'no-store').status(200).render('developer/secrets', { title: 'New client secret', smartAppId: id, secrets: outcome.value, created: false });
  }

  @Get('smartapps/:id/logs')
  async logs(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const installation = typeof req.query.installation === 'string' ? req.query.installation : undefined;
    const { app, lines } = await this.console.logs(account(req), id, installation);
    res.render('developer/logs', { title: `Logs of ${app.name}`, app, lines, installation });
  }

  private renderDetail(req: Request, res: Response, app: SmartAppDetail, status: number, extras: DetailExtras): void {
    const oauthForm = extras.oauthForm ?? {
      redirectUris: app.oauth.redirectUris.join('\n'),
      clientName: app.oauth.clientName ?? '',
      callbackPrefixes: app.oauth.callbackPrefixes.join('\n'),
      classicCompat: app.oauth.classicCompat,
    };
    res.status(status).render('developer/show', {
      title: app.name,
      app,
      latestVersion: app.versions[0]?.version ?? null,
      mappings: app.definition?.mappings.flatMap((m) => Object.entries(m.methods).map(([method, handler]) => ({ method, path: m.path, handler }))) ?? [],
      flash: takeFlash(req),
      versionErrors: extras.versionErrors,
      source: extras.source ?? '',
      oauthErrors: extras.oauthErrors,
      oauthForm,
    });
  }
}
