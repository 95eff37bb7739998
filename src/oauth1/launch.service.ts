import { Inject, Injectable } from '@nestjs/common';
import { PageError } from '../common/api-errors';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LocationsService, LocationView } from '../locations/locations.service';
import { withResponseParams } from '../oauth/redirect-uri';
import { ClientsService } from '../oauth/clients.service';
import { SmartAppsService, SmartAppView } from '../smartapps/smartapps.service';
import { OAuth1ConsumersService } from './oauth1-consumers.service';

export interface LaunchPage {
  app: SmartAppView;
  host: string;
  locations: LocationView[];
}

const UNKNOWN_APP = new PageError(404, 'Unknown SMART app', 'No SMART app with this consumer key is registered on this platform.');

// GET /apps/{consumer_key}/launch: the person picks one of their locations and the app's index_url
// opens on it (record_id, api_base).
@Injectable()
export class LaunchService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consumers: OAuth1ConsumersService,
    private readonly clients: ClientsService,
    private readonly smartApps: SmartAppsService,
    private readonly locations: LocationsService,
  ) {}

  async page(consumerKey: string, accountId: string): Promise<LaunchPage> {
    const { app, indexUrl } = await this.appOf(consumerKey);
    return { app, host: new URL(indexUrl).host, locations: await this.locations.listForAccount(accountId) };
  }

  /** The index_url to open, or null when the location is not one of the person's. */
  async launch(consumerKey: string, accountId: string, locationId: unknown): Promise<string | null> {
    const { indexUrl } = await this.appOf(consumerKey);
    const location = typeof locationId === 'string' && locationId.length <= 36 ? await this.locations.findForAccount(accountId, locationId) : null;
    if (!location) {
      return null;
    }
    return withResponseParams(indexUrl, { record_id: location.id, api_base: `${this.config.baseUrl.replace(/\/$/, '')}/api` });
  }

  private async appOf(consumerKey: string): Promise<{ app: SmartAppView; indexUrl: string }> {
    const urls = consumerKey.length <= 100 ? await this.consumers.urlsOf(consumerKey) : null;
    const client = urls ? await this.clients.find(consumerKey) : null;
    const app = client ? await this.smartApps.findById(client.smartAppId) : null;
    if (!urls || !app) {
      throw UNKNOWN_APP;
    }
    return { app, indexUrl: urls.indexUrl };
  }
}
