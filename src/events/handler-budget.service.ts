import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { InstallationsService } from '../installations/installations.service';
import { RateCounters } from './rate-counters.service';

// Event and scheduled handler runs per installation per minute. Two installations whose handlers
// change each other's subscribed devices would otherwise ping-pong for ever; over the budget a
// run is dropped (not delayed, which would only slow the loop down).
@Injectable()
export class HandlerBudget {
  private readonly logger = new Logger(HandlerBudget.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly counters: RateCounters,
    private readonly installations: InstallationsService,
  ) {}

  /** Takes one run from the installation's budget; false when it is spent (reported once per window). */
  async take(installationId: string, what: string): Promise<boolean> {
    const limit = this.config.events.handlerRunsPerMinute;
    const hit = await this.counters.hit(`handler-runs:${installationId}`, 60);
    if (hit.hits <= limit) {
      return true;
    }
    if (hit.hits === limit + 1) {
      this.logger.warn(`installation ${installationId} ran ${limit} event/scheduled handlers this minute; dropping runs for ${hit.resetsInSeconds} s`);
      const summary = `More than ${limit} event and scheduled handler runs in a minute (a loop?): ${what} and further runs are dropped for ${hit.resetsInSeconds} s`;
      await this.transactions.run((tx) => this.installations.recordActivity(installationId, 'event', summary, tx));
    }
    return false;
  }
}
