import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { LaunchService } from './launch.service';

// Browser pages (session; the guard sends a visitor to log in first).
@ApiExcludeController()
@Controller('apps/:consumerKey/launch')
export class LaunchController {
  constructor(private readonly launcher: LaunchService) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response, @Param('consumerKey') consumerKey: string): Promise<void> {
    await this.render(req, res, consumerKey, null, 200);
  }

  @Post()
  async launch(@Req() req: Request, @Res() res: Response, @Param('consumerKey') consumerKey: string, @Body('location_id') locationId: unknown): Promise<void> {
    const url = await this.launcher.launch(consumerKey, req.user?.id ?? '', locationId);
    if (!url) {
      return this.render(req, res, consumerKey, 'Please choose one of your locations.', 400);
    }
    res.redirect(303, url);
  }

  private async render(req: Request, res: Response, consumerKey: string, error: string | null, status: number): Promise<void> {
    const page = await this.launcher.page(consumerKey, req.user?.id ?? '');
    res.status(status).render('smart/launch', { title: `Launch ${page.app.name}`, ...page, consumerKey, error });
  }
}
