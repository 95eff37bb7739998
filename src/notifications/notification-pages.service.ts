import { Injectable } from '@nestjs/common';
import { LocationsService } from '../locations/locations.service';
import { NotificationsService, NotificationView } from './notifications.service';

export interface NotificationRow extends NotificationView {
  locationName: string;
  timeZone: string;
}

// The notifications page: each one with its location's name, its time in that location's zone.
@Injectable()
export class NotificationPages {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly locations: LocationsService,
  ) {}

  async list(accountId: string): Promise<NotificationRow[]> {
    const [rows, locations] = await Promise.all([this.notifications.listForAccount(accountId), this.locations.listForAccount(accountId)]);
    const byId = new Map(locations.map((l) => [l.id, l]));
    return rows.map((n) => {
      const location = n.locationId ? byId.get(n.locationId) : undefined;
      return { ...n, locationName: location?.name ?? '', timeZone: location?.timeZone ?? 'UTC' };
    });
  }

  markRead(accountId: string, id: string): Promise<boolean> {
    return this.notifications.markRead(accountId, id);
  }

  markAllRead(accountId: string): Promise<void> {
    return this.notifications.markAllRead(accountId);
  }
}
