import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { InstallationLifecycle } from '../installations/installation-lifecycle.service';
import { OAuthHousekeeping } from '../oauth/oauth-housekeeping.service';

const HOUR_MS = 3600 * 1000;
const MINUTE_MS = 60 * 1000;

// Deletes what has expired (browser sessions, unfinished authorizations, old codes and tokens) so
// the tables do not grow for ever. `npm start` runs it hourly; tests call sweep() directly.
@Injectable()
export class Housekeeping implements OnModuleDestroy {
  private readonly logger = new Logger(Housekeeping.name);
  private timer: NodeJS.Timeout | null = null;
  private pendingTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly accounts: AccountsService,
    private readonly oauth: OAuthHousekeeping,
    private readonly lifecycle: InstallationLifecycle,
  ) {}

  async sweep(now: Date = new Date()): Promise<Record<string, number>> {
    // pending installations first: their codes' expiry is what makes them dead
    const pendingInstallations = await this.lifecycle.sweepPending(now);
    const removed = { pendingInstallations, sessions: await this.accounts.deleteExpiredSessions(now), ...(await this.oauth.deleteExpired(now)) };
    const total = Object.values(removed).reduce((a, b) => a + b, 0);
    if (total > 0) {
      this.logger.log(`removed expired rows: ${Object.entries(removed).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    return removed;
  }

  start(intervalMs = HOUR_MS): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.warn(`housekeeping failed: ${err instanceof Error ? err.message : String(err)}`));
    }, intervalMs);
    this.timer.unref();
    // pending installations die with their code (a minute or so): swept every minute, not hourly
    this.pendingTimer = setInterval(() => {
      this.lifecycle.sweepPending().catch((err: unknown) => this.logger.warn(`sweeping pending installations failed: ${err instanceof Error ? err.message : String(err)}`));
    }, Math.min(intervalMs, MINUTE_MS));
    this.pendingTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.pendingTimer) {
      clearInterval(this.pendingTimer);
      this.pendingTimer = null;
    }
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
