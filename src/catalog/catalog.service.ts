import { Injectable } from '@nestjs/common';
import type { AccountSummary } from '../accounts/accounts.service';
import { PageError } from '../common/api-errors';
import { InstallationError, InstallationLifecycle } from '../installations/installation-lifecycle.service';
import { checkChoices, formErrorOf } from '../installations/preference-choices';
import { postedChoices, preferenceSections, PreferenceSectionView } from '../installations/preference-page';
import { findCapability } from '../locations/capabilities';
import { DevicesService } from '../locations/devices.service';
import { LocationsService, LocationView } from '../locations/locations.service';
import { deviceInputs } from '../smartapps/smartapp-definition';
import { SmartAppsService, SmartAppView, VersionView } from '../smartapps/smartapps.service';

export interface CatalogEntry {
  id: string;
  name: string;
  namespace: string;
  author: string;
  description: string;
  category: string;
}

export interface CatalogDetail extends CatalogEntry {
  asksFor: { title: string; allows: string }[];
  hasMappings: boolean;
}

export interface InstallPageView {
  title: string;
  app: SmartAppView;
  location: LocationView;
  sections: PreferenceSectionView[];
  hasErrors: boolean;
  formError: string | null;
  action: string;
}

export type InstallStart = { kind: 'choose_location'; app: SmartAppView; locations: LocationView[] } | { kind: 'preferences'; page: InstallPageView };
export type InstallOutcome = { kind: 'installed'; installationId: string; appName: string } | { kind: 'invalid'; page: InstallPageView };

const NOT_FOUND = new PageError(404, 'SmartApp not found', 'There is no published SmartApp with this address. Go back to the catalog to see the ones there are.');

// The catalog: every published SmartApp, installed by a user straight into one of their locations
// (no OAuth client: Installation.clientId is null). Same preference pages and rules as the
// authorize flow; the lifecycle runs installed() before its short install transaction.
@Injectable()
export class CatalogService {
  constructor(
    private readonly smartApps: SmartAppsService,
    private readonly lifecycle: InstallationLifecycle,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
  ) {}

  async list(): Promise<CatalogEntry[]> {
    return (await this.smartApps.listPublished()).map(entryOf);
  }

  async detail(smartAppId: string): Promise<CatalogDetail> {
    const { app, version } = await this.published(smartAppId);
    return {
      ...entryOf(app),
      asksFor: deviceInputs(version.definition).map((input) => ({ title: input.title, allows: findCapability(input.capability)?.allows ?? input.capability })),
      hasMappings: version.definition.mappings.length > 0,
    };
  }

  /** The location page when the user has several and chose none, else the preference page. */
  async start(account: AccountSummary, smartAppId: string, locationId: unknown): Promise<InstallStart> {
    const { app, version } = await this.published(smartAppId);
    const locations = await this.locations.listForAccount(account.id);
    const chosen = typeof locationId === 'string' ? locations.find((l) => l.id === locationId) : locations.length === 1 ? locations[0] : undefined;
    if (!chosen) {
      return { kind: 'choose_location', app, locations };
    }
    return { kind: 'preferences', page: await this.page(app, version, chosen, { devices: {}, values: {} }, {}) };
  }

  /** Checks the choices like the consent page; then installation, grants and installed() in one transaction. */
  async install(account: AccountSummary, smartAppId: string, locationId: unknown, posted: unknown): Promise<InstallOutcome> {
    const { app, version } = await this.published(smartAppId);
    const location = typeof locationId === 'string' ? await this.locations.findForAccount(account.id, locationId) : null;
    if (!location) {
      throw new PageError(400, 'Choose a location', 'The location was not found among yours. Go back and choose one of your locations.');
    }
    const offered = await this.devices.inLocation(location.id);
    const choices = checkChoices(version.definition, offered, posted);
    if (!choices.ok) {
      return { kind: 'invalid', page: await this.page(app, version, location, postedChoices(posted), choices.errors) };
    }
    try {
      const { installation } = await this.lifecycle.install({
        smartAppId: app.id,
        smartAppVersionId: version.id,
        accountId: account.id,
        locationId: location.id,
        clientId: null,
        settings: choices.settings,
        grants: choices.grants,
        status: 'active',
        activity: `Installed by you from the catalog with ${choices.grants.length} device(s)`,
      });
      return { kind: 'installed', installationId: installation.id, appName: app.name };
    } catch (err) {
      if (!(err instanceof InstallationError) || err.code !== 'handler_failed') {
        throw err;
      }
      throw new PageError(
        500,
        `${app.name} could not be set up`,
        `The SmartApp reported an error while being installed (error id ${err.errorId}). Nothing was installed. Try again later or contact its author (${app.author}).`,
      );
    }
  }

  private async published(smartAppId: string): Promise<{ app: SmartAppView; version: VersionView }> {
    const app = smartAppId.length <= 36 ? await this.smartApps.findById(smartAppId) : null;
    const version = app ? await this.smartApps.latestVersion(app.id) : null;
    if (!app || !version) {
      throw NOT_FOUND;
    }
    return { app, version };
  }

  private async page(
    app: SmartAppView,
    version: VersionView,
    location: LocationView,
    current: Parameters<typeof preferenceSections>[2],
    errors: Record<string, string>,
  ): Promise<InstallPageView> {
    const devices = await this.devices.inLocation(location.id);
    return {
      title: `Install ${app.name}`,
      app,
      location,
      sections: preferenceSections(version.definition, devices, current, errors),
      hasErrors: Object.keys(errors).length > 0,
      formError: formErrorOf(errors),
      action: `/catalog/${app.id}/install`,
    };
  }
}

function entryOf(app: SmartAppView): CatalogEntry {
  return { id: app.id, name: app.name, namespace: app.namespace, author: app.author, description: app.description, category: app.category };
}
