import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CallbackDelivery } from './callback-delivery.entity';
import { EventDelivery } from './event-delivery.entity';
import { ScheduledJob } from './scheduled-job.entity';
import { Subscription } from './subscription.entity';

// Uninstall: the installation's subscriptions, schedules, undelivered events and callbacks end
// with it, inside the uninstall transaction.
@Injectable()
export class EventsCleanupService {
  async dropInstallation(tx: EntityManager, installationId: string): Promise<void> {
    await tx.getRepository(Subscription).delete({ installationId });
    await tx.getRepository(ScheduledJob).delete({ installationId });
    await tx.getRepository(EventDelivery).delete({ installationId });
    await tx.getRepository(CallbackDelivery).delete({ installationId });
  }
}
