import { Injectable, Logger } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import { EventsCleanupService } from '../events/events-cleanup.service';
import { InstallationRuntime } from '../installations/installation-runtime.service';
import { InstallationsService } from '../installations/installations.service';
import { TokensService } from './tokens.service';

// Uninstall / disconnect: the app's uninstalled() runs first (its failure does not keep the user
// connected), then the installation, its grants and every token end together.
@Injectable()
export class UninstallService {
  private readonly logger = new Logger(UninstallService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly installations: InstallationsService,
    private readonly runtime: InstallationRuntime,
    private readonly tokens: TokensService,
    private readonly events: EventsCleanupService,
  ) {}

  async uninstall(installationId: string, reason: string): Promise<void> {
    const outcome = await this.runtime.invoke(installationId, { kind: 'lifecycle', name: 'uninstalled' }, { params: {}, body: null, headers: {} });
    if (outcome.kind === 'failed') {
      this.logger.warn(`uninstalled() of ${installationId} failed (error id ${outcome.errorId}); uninstalling anyway`);
    }
    await this.transactions.run(async (tx) => {
      await this.installations.markUninstalled(tx, installationId);
      await this.tokens.revokeInstallation(tx, installationId);
      await this.events.dropInstallation(tx, installationId);
      await this.installations.recordActivity(installationId, 'lifecycle', reason, tx);
    });
  }
}
