import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { NotificationsService } from './notifications.service';

// The unread count in the site navigation (views/layouts/main.hbs): pages are GETs by a logged-in user.
@Injectable()
export class UnreadCountMiddleware implements NestMiddleware {
  constructor(private readonly notifications: NotificationsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' || !req.user) {
      next();
      return;
    }
    this.notifications
      .unreadCount(req.user.id)
      .then((count) => {
        res.locals.unreadNotifications = count;
        next();
      })
      // the count is a nicety: a page still renders without it
      .catch(() => next());
  }
}
