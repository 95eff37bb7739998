import { Inject, Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountsService } from '../accounts/accounts.service';
import { projectRoot } from '../common/project-root';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { DeveloperTokensService } from '../developer/developer-tokens.service';
import { DevicesService } from '../locations/devices.service';
import { LocationsService } from '../locations/locations.service';
import { ClientsService } from '../oauth/clients.service';
import { SmartAppsService } from '../smartapps/smartapps.service';

export const DEMO = {
  demo: { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' },
  other: { email: 'other@example.com', password: 'other-password', name: 'Other User' },
  client: { clientId: 'device-bridge', clientSecret: 'device-bridge-secret', webhookSecret: 'whsec_ZGV2aWNlLWJyaWRnZS13ZWJob29rLXNlY3JldA==' },
  redirectUris: ['http://localhost:3001/callback', 'http://127.0.0.1:3001/callback'],
  // where Device Bridge may push switch changes: the demo service's /events
  callbackPrefixes: ['http://localhost:3001/', 'http://127.0.0.1:3001/'],
  developerToken: 'demo-developer-token',
};

@Injectable()
export class DemoSeedService {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly accounts: AccountsService,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly smartApps: SmartAppsService,
    private readonly clients: ClientsService,
    private readonly developerTokens: DeveloperTokensService,
  ) {}

  /** Seeds the demo when SEED_DEMO is on and the database has no accounts. */
  async seedIfEmpty(): Promise<boolean> {
    if (!this.config.seedDemo || (await this.accounts.count()) > 0) {
      return false;
    }
    const source = readFileSync(join(projectRoot(), 'examples', 'device-bridge.js'), 'utf8');
    await this.transactions.run(async (tx) => {
      const demo = await this.accounts.signUp({ ...DEMO.demo, role: 'developer' }, tx);
      await this.developerTokens.createWithValue(demo.id, 'Demo token', DEMO.developerToken, tx);
      const other = await this.accounts.signUp(DEMO.other, tx);
      const home = await this.locations.create(demo.id, { name: 'Home', timeZone: 'Europe/London' }, tx);
      const cabin = await this.locations.create(demo.id, { name: 'Cabin', timeZone: 'Europe/London' }, tx);
      const flat = await this.locations.create(other.id, { name: 'Flat', timeZone: 'Europe/Berlin' }, tx);
      const devices: [string, string, string[]][] = [
        [home.id, 'Kitchen Light', ['switch', 'switchLevel']],
        [home.id, 'Porch Light', ['switch']],
        [home.id, 'Front Door', ['lock', 'contactSensor']],
        [home.id, 'Hallway Motion', ['motionSensor', 'battery']],
        [home.id, 'Living Room Thermostat', ['thermostat', 'temperatureMeasurement']],
        [cabin.id, 'Cabin Light', ['switch']],
        [cabin.id, 'Cabin Door', ['lock']],
        [flat.id, 'Flat Light', ['switch']],
      ];
      for (const [locationId, label, capabilities] of devices) {
        await this.devices.create({ locationId, label, capabilities }, tx);
      }
      const app = await this.smartApps.create(demo.id, source, tx);
      await this.clients.create({ ...DEMO.client, name: 'Demo Service', smartAppId: app.smartAppId, redirectUris: DEMO.redirectUris, callbackPrefixes: DEMO.callbackPrefixes }, tx);
    });
    this.logger.log(
      [
        'Demo data created:',
        `  log in as ${DEMO.demo.email} / ${DEMO.demo.password} (locations Home and Cabin)`,
        `  or as ${DEMO.other.email} / ${DEMO.other.password} (location Flat)`,
        `  OAuth client ${DEMO.client.clientId} / ${DEMO.client.clientSecret}, webhook secret ${DEMO.client.webhookSecret}, for the "Device Bridge" SmartApp,`,
        `  redirect URIs ${DEMO.redirectUris.join(' and ')}, callback prefixes ${DEMO.callbackPrefixes.join(' and ')}`,
        `  developer API token of ${DEMO.demo.email}: ${DEMO.developerToken} (SMARTAPP_TOKEN for npm run smartapp)`,
      ].join('\n'),
    );
    return true;
  }
}
