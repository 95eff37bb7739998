import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { setFlash } from '../common/flash';
import { formObject } from '../common/form';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { pageMove, postedPage, PreferenceDraft } from '../installations/preference-flow';
import { CatalogService } from './catalog.service';


function draftFor(req: Request, key: string): PreferenceDraft {
  const saved = req.session.preferenceDraft;
  return saved && saved.key === key ? saved.draft : {};
}

// The catalog of published SmartApps: anyone may browse, a logged-in user installs into a location.
@Controller('catalog')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Public()
  @Get()
  async index(@Res() res: Response): Promise<void> {
    res.render('catalog/index', { title: 'SmartApp catalog', apps: await this.catalog.list() });
  }

  @Public()
  @Get(':id')
  async show(@Res() res: Response, @Param('id') id: string): Promise<void> {
    const app = await this.catalog.detail(id);
    res.render('catalog/show', { title: app.name, app });
  }

  @Get(':id/install')
  async installPage(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const page = postedPage(req.query.page);
    const key = this.catalog.draftKey(id, req.query.location_id);
    // opening the form afresh (no page) starts from its defaults
    if (page === null && req.session.preferenceDraft?.key === key) {
      delete req.session.preferenceDraft;
    }
    const start = await this.catalog.start(req.user!, id, req.query.location_id, page ?? 0, draftFor(req, key));
    if (start.kind === 'choose_location') {
      return res.render('catalog/location', { title: `Install ${start.app.name}`, app: start.app, locations: start.locations });
    }
    res.render('catalog/install', start.page);
  }

  @Post(':id/install')
  async install(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const move = pageMove(formObject(req, 'decision'), 'install');
    if (move === null) {
      return res.redirect(303, `/catalog/${encodeURIComponent(id)}`);
    }
    const locationId = formObject(req, 'location_id');
    const key = this.catalog.draftKey(id, locationId);
    const outcome = await this.catalog.install(req.user!, id, locationId, formObject(req, 'settings'), { page: postedPage(formObject(req, 'page')), move, draft: draftFor(req, key) });
    if (outcome.kind === 'moved' || outcome.kind === 'invalid') {
      req.session.preferenceDraft = { key, draft: outcome.draft };
    }
    if (outcome.kind === 'moved') {
      return res.redirect(303, `/catalog/${encodeURIComponent(id)}/install?location_id=${encodeURIComponent(outcome.locationId)}&page=${outcome.page}`);
    }
    if (outcome.kind === 'invalid') {
      return res.status(400).render('catalog/install', outcome.page);
    }
    delete req.session.preferenceDraft;
    setFlash(req, `${outcome.appName} was installed.`);
    res.redirect(303, `/apps/${outcome.installationId}`);
  }
}
