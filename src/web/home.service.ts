import { Injectable } from '@nestjs/common';
import type { AccountSummary } from '../accounts/accounts.service';
import { ConnectedAppsService, ConnectedAppView } from './connected-apps.service';
import { LocationOverview, LocationPagesService } from './location-pages.service';

export interface HomeView {
  locations: LocationOverview[];
  apps: ConnectedAppView[];
  isDeveloper: boolean;
}

@Injectable()
export class HomeService {
  constructor(
    private readonly locations: LocationPagesService,
    private readonly connectedApps: ConnectedAppsService,
  ) {}

  /** Locations with their devices at a glance, connected apps, and the console link for developers. */
  async overview(account: AccountSummary): Promise<HomeView> {
    return {
      locations: await this.locations.overviewForAccount(account.id),
      apps: await this.connectedApps.listForAccount(account.id, 0),
      isDeveloper: account.role === 'developer' || account.role === 'admin',
    };
  }
}
