import { Injectable } from '@nestjs/common';
import { findCapability } from '../locations/capabilities';
import { DevicesService } from '../locations/devices.service';
import { LocationsService } from '../locations/locations.service';
import { InstallationsService } from '../installations/installations.service';
import { SmartAppsService } from '../smartapps/smartapps.service';

@Injectable()
export class HomeService {
  constructor(
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly installations: InstallationsService,
    private readonly smartApps: SmartAppsService,
  ) {}

  async overview(accountId: string) {
    const locations = await this.locations.listForAccount(accountId);
    const withDevices = await Promise.all(
      locations.map(async (l) => ({
        ...l,
        devices: (await this.devices.inLocation(l.id)).map((d) => ({
          ...d,
          summary: Object.entries(d.state)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join(', '),
          capabilityNames: d.capabilities.filter((c) => findCapability(c)).join(', '),
        })),
      })),
    );
    const installs = await this.installations.listForAccount(accountId);
    const apps = await Promise.all(
      installs.map(async (i) => ({ ...i, app: await this.smartApps.findById(i.smartAppId), location: locations.find((l) => l.id === i.locationId) })),
    );
    return { locations: withDevices, installations: apps };
  }
}
