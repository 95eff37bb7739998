import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PageError } from '../common/api-errors';
import { setFlash, takeFlash } from '../common/flash';
import { NotificationPages } from './notification-pages.service';

@Controller('notifications')
export class NotificationsController {
  constructor(private readonly pages: NotificationPages) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    const notifications = await this.pages.list(req.user!.id);
    res.render('web/notifications/index', { title: 'Notifications', notifications, unread: notifications.some((n) => !n.read), flash: takeFlash(req) });
  }

  @Post('read-all')
  async readAll(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.pages.markAllRead(req.user!.id);
    setFlash(req, 'All notifications marked read.');
    res.redirect(303, '/notifications');
  }

  @Post(':id/read')
  async read(@Req() req: Request, @Res() res: Response, @Param('id') id: string): Promise<void> {
    if (!(await this.pages.markRead(req.user!.id, id))) {
      throw new PageError(404, 'Notification not found', 'There is no such notification among yours.');
    }
    setFlash(req, 'Notification marked read.');
    res.redirect(303, '/notifications');
  }
}
