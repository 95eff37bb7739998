import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { CatalogService } from './catalog.service';

function field(req: Request, name: string): unknown {
  const body: unknown = req.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
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
    const start = await this.catalog.start(req.user!, id, req.query.location_id);
    if (start.kind === 'choose_location') {
      return res.render('catalog/location', { title: `Install ${start.app.name}`, app: start.app, locations: start.locations });
    }
    res.render('catalog/install', start.page);
  }

  @Post(':id/install')
  async install(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    if (field(req, 'decision') !== 'install') {
      return res.redirect(303, `/catalog/${encodeURIComponent(id)}`);
    }
    const outcome = await this.catalog.install(req.user!, id, field(req, 'location_id'), field(req, 'settings'));
    if (outcome.kind === 'invalid') {
      return res.status(400).render('catalog/install', outcome.page);
    }
    req.session.flash = `${outcome.appName} was installed.`;
    res.redirect(303, `/apps/${outcome.installationId}`);
  }
}
