import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ConnectedAppsService } from './connected-apps.service';
import { setFlash, takeFlash } from '../common/flash';
import { formField, formObject } from '../common/form';
import { pageMove, postedPage, PreferenceDraft } from '../installations/preference-flow';


function configureDraft(req: Request, installationId: string): PreferenceDraft | null {
  const saved = req.session.preferenceDraft;
  return saved && saved.key === `configure:${installationId}` ? saved.draft : null;
}

function pageNumber(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

// Connected apps (CONTRACT §4): the installations, their activity, Configure and Disconnect.
@Controller('apps')
export class AppsController {
  constructor(private readonly apps: ConnectedAppsService) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    const apps = await this.apps.listForAccount(req.user!.id);
    res.render('web/apps/index', { title: 'Connected apps', apps, flash: takeFlash(req) });
  }

  @Get(':installationId')
  async show(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    const detail = await this.apps.detailForAccount(req.user!.id, installationId, pageNumber(req.query.page));
    res.render('web/apps/show', {
      title: detail.app.appName,
      ...detail,
      previousPage: detail.page > 1 ? detail.page - 1 : null,
      nextPage: detail.hasNext ? detail.page + 1 : null,
      flash: takeFlash(req),
    });
  }

  @Get(':installationId/configure')
  async configurePage(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    const page = postedPage(req.query.page);
    // opening Configure afresh (no page) starts from the saved choices
    if (page === null && configureDraft(req, installationId)) {
      delete req.session.preferenceDraft;
    }
    res.render('oauth/preferences', await this.apps.configurePage(req.user!.id, installationId, page ?? 0, configureDraft(req, installationId)));
  }

  @Post(':installationId/configure')
  async configure(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    const move = pageMove(formField(req, 'decision'), 'save');
    if (move === null) {
      return res.redirect(303, `/apps/${encodeURIComponent(installationId)}`);
    }
    const outcome = await this.apps.reconfigure(req.user!.id, installationId, formObject(req, 'settings'), {
      page: postedPage(formField(req, 'page') || undefined),
      move,
      draft: configureDraft(req, installationId),
    });
    if (outcome.kind === 'moved' || outcome.kind === 'invalid') {
      req.session.preferenceDraft = { key: `configure:${installationId}`, draft: outcome.draft };
    }
    if (outcome.kind === 'moved') {
      return res.redirect(303, `/apps/${encodeURIComponent(installationId)}/configure?page=${outcome.page}`);
    }
    if (outcome.kind === 'invalid') {
      return res.status(400).render('oauth/preferences', outcome.page);
    }
    delete req.session.preferenceDraft;
    setFlash(req, `${outcome.appName} was updated with your new choices.`);
    res.redirect(303, `/apps/${installationId}`);
  }

  @Get(':installationId/revoke')
  async confirmRevoke(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    const app = await this.apps.confirmDisconnect(req.user!.id, installationId);
    res.render('web/apps/revoke', { title: `Disconnect ${app.appName}`, app });
  }

  @Post(':installationId/revoke')
  async revoke(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    const name = await this.apps.disconnect(req.user!.id, installationId);
    setFlash(req, `${name} was disconnected. It can no longer reach your devices.`);
    res.redirect(303, '/apps');
  }
}
