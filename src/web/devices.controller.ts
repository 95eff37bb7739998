import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DevicePagesService } from './device-pages.service';
import { DeviceLabelDto } from './dto/device-label.dto';
import { setFlash, takeFlash } from '../common/flash';
import { checkForm, formField } from '../common/form';

@Controller('devices')
export class DevicesController {
  constructor(private readonly pages: DevicePagesService) {}

  @Get(':deviceId')
  async show(@Req() req: Request, @Res() res: Response, @Param('deviceId') deviceId: string): Promise<void> {
    await this.render(req, res, deviceId, 200, {});
  }

  @Post(':deviceId/rename')
  async rename(@Req() req: Request, @Res() res: Response, @Param('deviceId') deviceId: string): Promise<void> {
    const checked = await checkForm(DeviceLabelDto, { label: formField(req, 'label').trim() });
    if (!checked.ok) {
      return this.render(req, res, deviceId, 400, { renameError: checked.message });
    }
    await this.pages.rename(req.user!.id, deviceId, checked.value.label);
    setFlash(req, `Device renamed to ${checked.value.label}.`);
    res.redirect(303, `/devices/${deviceId}`);
  }

  @Post(':deviceId/commands')
  async command(@Req() req: Request, @Res() res: Response, @Param('deviceId') deviceId: string): Promise<void> {
    const outcome = await this.pages.command(req.user!.id, deviceId, formField(req, 'command'), formField(req, 'value'));
    if (!outcome.ok) {
      return this.render(req, res, deviceId, 400, { error: outcome.message });
    }
    setFlash(req, outcome.message);
    res.redirect(303, `/devices/${deviceId}`);
  }

  @Post(':deviceId/simulate')
  async simulate(@Req() req: Request, @Res() res: Response, @Param('deviceId') deviceId: string): Promise<void> {
    const outcome = await this.pages.simulate(req.user!.id, deviceId, formField(req, 'attribute'), formField(req, 'value'));
    if (!outcome.ok) {
      return this.render(req, res, deviceId, 400, { error: outcome.message });
    }
    setFlash(req, outcome.message);
    res.redirect(303, `/devices/${deviceId}`);
  }

  @Get(':deviceId/delete')
  async confirmDelete(@Req() req: Request, @Res() res: Response, @Param('deviceId') deviceId: string): Promise<void> {
    const page = await this.pages.deletePage(req.user!.id, deviceId);
    res.render('web/devices/delete', { title: `Delete ${page.device.label}`, ...page });
  }

  @Post(':deviceId/delete')
  async remove(@Req() req: Request, @Res() res: Response, @Param('deviceId') deviceId: string): Promise<void> {
    if (formField(req, 'confirm') !== 'yes') {
      return res.redirect(303, `/devices/${encodeURIComponent(deviceId)}/delete`);
    }
    const removed = await this.pages.remove(req.user!.id, deviceId);
    setFlash(req, removed.affected > 0 ? `${removed.label} was deleted and removed from ${removed.affected} connected app(s).` : `${removed.label} was deleted.`);
    res.redirect(303, `/locations/${removed.locationId}`);
  }

  private async render(req: Request, res: Response, deviceId: string, status: number, extra: Record<string, string>): Promise<void> {
    const page = await this.pages.pageForAccount(req.user!.id, deviceId);
    res.status(status).render('web/devices/show', { title: page.device.label, ...page, flash: takeFlash(req), ...extra });
  }
}
