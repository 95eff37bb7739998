import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventsCleanupService } from '../events/events-cleanup.service';
import { InstallationLifecycle } from '../installations/installation-lifecycle.service';
import { TokensService } from './tokens.service';

// Uninstall / disconnect: the lifecycle runs uninstalled() and ends the installation; in its
// transaction every token of the installation and its event rows end with it (hooks below).
@Injectable()
export class UninstallService implements OnModuleInit {
  constructor(
    private readonly lifecycle: InstallationLifecycle,
    private readonly tokens: TokensService,
    private readonly events: EventsCleanupService,
  ) {}

  onModuleInit(): void {
    this.lifecycle.addUninstallHook({
      onUninstall: async (tx, installationId) => {
        await this.tokens.revokeInstallation(tx, installationId);
        await this.events.dropInstallation(tx, installationId);
      },
    });
  }

  async uninstall(installationId: string, reason: string): Promise<void> {
    await this.lifecycle.uninstall(installationId, reason);
  }
}
