import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, IsNull, MoreThan, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import type { Installation } from '../installations/installation.entity';
import type { LogLine, Notice } from '../sandbox/sandbox.types';
import { Notification } from './notification.entity';

export const MAX_MESSAGE_CHARS = 1000;
export const MAX_PER_RUN = 10;
export const MAX_PER_HOUR = 30;
const HOUR_MS = 60 * 60 * 1000;

export interface NotificationView {
  id: string;
  sender: string;
  message: string;
  locationId: string | null;
  read: boolean;
  createdAt: Date;
}

// ctx.sendPush / ctx.sendNotification end here: a row for the installation's owner, written in the
// handler's transaction. At most MAX_PER_RUN per run and MAX_PER_HOUR per installation and hour,
// so a SmartApp in a loop cannot bury its owner's notifications page.
@Injectable()
export class NotificationsService {
  constructor(
    private readonly transactions: Transactions,
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
  ) {}

  /** Stores the run's notices; returns the ones stored and log lines for the ones refused. */
  async record(
    tx: EntityManager,
    installation: Pick<Installation, 'id' | 'accountId' | 'locationId'>,
    sender: string,
    notices: Notice[],
    now: Date,
  ): Promise<{ stored: Notification[]; lines: LogLine[] }> {
    const repo = tx.getRepository(Notification);
    const lines: LogLine[] = [];
    const stored: Notification[] = [];
    let sentThisHour = await repo.count({ where: { installationId: installation.id, createdAt: MoreThan(new Date(now.getTime() - HOUR_MS)) } });
    for (const [i, notice] of notices.entries()) {
      const name = notice.kind === 'push' ? 'sendPush' : 'sendNotification';
      if (i >= MAX_PER_RUN) {
        lines.push({ level: 'warn', message: `${name} refused: at most ${MAX_PER_RUN} notifications per handler run` });
        continue;
      }
      if (sentThisHour >= MAX_PER_HOUR) {
        lines.push({ level: 'warn', message: `${name} refused: at most ${MAX_PER_HOUR} notifications per installation and hour` });
        continue;
      }
      const message = notice.message.trim().slice(0, MAX_MESSAGE_CHARS);
      if (message === '') {
        continue;
      }
      const row: Notification = {
        id: randomUUID(),
        accountId: installation.accountId,
        locationId: installation.locationId,
        installationId: installation.id,
        sender: sender.slice(0, 200),
        message,
        readAt: null,
        createdAt: now,
      };
      await repo.insert(row);
      stored.push(row);
      sentThisHour++;
    }
    return { stored, lines };
  }

  async listForAccount(accountId: string, limit = 50): Promise<NotificationView[]> {
    const rows = await this.notifications.find({ where: { accountId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
    return rows.map((r) => ({ id: r.id, sender: r.sender, message: r.message, locationId: r.locationId, read: r.readAt !== null, createdAt: r.createdAt }));
  }

  unreadCount(accountId: string): Promise<number> {
    return this.notifications.count({ where: { accountId, readAt: IsNull() } });
  }

  /** Marks one notification read; false when it is not the account's. */
  async markRead(accountId: string, id: string): Promise<boolean> {
    const result = await this.transactions.run((tx) => tx.getRepository(Notification).update({ id, accountId, readAt: IsNull() }, { readAt: new Date() }));
    return (result.affected ?? 0) > 0 || (await this.notifications.exist({ where: { id, accountId } }));
  }

  async markAllRead(accountId: string): Promise<void> {
    await this.transactions.run((tx) => tx.getRepository(Notification).update({ accountId, readAt: IsNull() }, { readAt: new Date() }));
  }
}
