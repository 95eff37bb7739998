import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere, In, MoreThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { AppLog } from './app-log.entity';

export interface AppLogLine {
  level: AppLog['level'];
  message: string;
}

export interface AppLogEntry {
  at: Date;
  installationId: string;
  level: AppLog['level'];
  message: string;
}

export interface AppLogOwner {
  installationId: string;
  smartAppId: string;
}

// A SmartApp's own log (ctx.log lines, handler failures with their stack): for its author only.
// Retention: the newest `appLogRetention` lines per installation; older ones are pruned on write.
@Injectable()
export class AppLogsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    @InjectRepository(AppLog) private readonly logs: Repository<AppLog>,
  ) {}

  /** Stores lines inside the caller's transaction and prunes the installation's oldest beyond the limit. */
  async append(manager: EntityManager, owner: AppLogOwner, lines: AppLogLine[]): Promise<void> {
    if (lines.length === 0) {
      return;
    }
    const repo = manager.getRepository(AppLog);
    // one millisecond apart, so the lines of one run keep their order
    const at = Date.now();
    await repo.insert(lines.map((l, i) => ({ id: randomUUID(), installationId: owner.installationId, smartAppId: owner.smartAppId, at: new Date(at + i), level: l.level, message: l.message })));
    const stale = await repo.find({
      select: { id: true },
      where: { installationId: owner.installationId },
      order: { at: 'DESC', id: 'DESC' },
      skip: this.config.appLogRetention,
      take: 1000,
    });
    if (stale.length > 0) {
      await repo.delete({ id: In(stale.map((s) => s.id)) });
    }
  }

  /** Deletes the log of installations that are forgotten (pending ones swept unexchanged), inside the caller's transaction. */
  async forgetInstallations(manager: EntityManager, installationIds: string[]): Promise<void> {
    if (installationIds.length > 0) {
      await manager.getRepository(AppLog).delete({ installationId: In(installationIds) });
    }
  }

  /** Stores lines in a transaction of their own: for failures whose own transaction was rolled back. */
  async appendAfterRollback(owner: AppLogOwner, lines: AppLogLine[]): Promise<void> {
    await this.transactions.run((m) => this.append(m, owner, lines));
  }

  /**
   * A SmartApp's lines, oldest first: the newest `limit` of them, or with `since` the first `limit`
   * strictly after it (so `logs --follow` can page forward without gaps).
   */
  async listForSmartApp(smartAppId: string, filter: { installationId?: string; since?: Date; limit: number }): Promise<AppLogEntry[]> {
    const where: FindOptionsWhere<AppLog> = { smartAppId };
    if (filter.installationId) {
      where.installationId = filter.installationId;
    }
    if (filter.since) {
      where.at = MoreThan(filter.since);
    }
    const rows = await this.logs.find({ where, order: { at: filter.since ? 'ASC' : 'DESC', id: filter.since ? 'ASC' : 'DESC' }, take: filter.limit });
    if (!filter.since) {
      rows.reverse();
    }
    return rows.map((r) => ({ at: r.at, installationId: r.installationId, level: r.level, message: r.message }));
  }
}
