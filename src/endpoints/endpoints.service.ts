import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { InstallationsService } from '../installations/installations.service';
import { LocationsService } from '../locations/locations.service';
import { ClientsService } from '../oauth/clients.service';
import { TokenInfo } from '../oauth/token-info';

export interface EndpointView {
  oauthClient: { clientId: string; authorizedGrantTypes: string };
  location: { id: string; name: string };
  uri: string;
  base_url: string;
  url: string;
}

@Injectable()
export class EndpointsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly installations: InstallationsService,
    private readonly locations: LocationsService,
    private readonly clients: ClientsService,
  ) {}

  /** One token is bound to one installation, so the list has one entry. */
  async forToken(token: TokenInfo): Promise<EndpointView[]> {
    const installation = await this.installations.findForAccount(token.accountId, token.installationId);
    const location = installation ? await this.locations.findById(installation.locationId) : null;
    // the client as client authentication caches it (forgotten on every change)
    const client = await this.clients.findForAuthentication(token.clientId);
    if (!installation || !location || !client) {
      return [];
    }
    const url = `/api/smartapps/installations/${installation.id}`;
    return [
      {
        oauthClient: { clientId: client.clientId, authorizedGrantTypes: client.grantTypes.join(',') },
        location: { id: location.id, name: location.name },
        uri: `${this.config.baseUrl}${url}`,
        base_url: this.config.baseUrl,
        url,
      },
    ];
  }
}
