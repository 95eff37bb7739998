import { Injectable } from '@nestjs/common';
import type { AccountSummary } from '../accounts/accounts.service';
import { PageError } from '../common/api-errors';
import { InstallationError, InstallationLifecycle } from '../installations/installation-lifecycle.service';
import { PageMove, PreferenceDraft, preferenceStep } from '../installations/preference-flow';
import { clampPage, postedChoices, preferenceForm, PreferenceFormView } from '../installations/preference-page';
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
  form: PreferenceFormView;
  action: string;
  iconUrl: string | null;
  canChangeLocation: boolean;
}

export type InstallStart = { kind: 'choose_location'; app: SmartAppView; locations: LocationView[] } | { kind: 'preferences'; page: InstallPageView };
export type InstallOutcome =
  | { kind: 'installed'; installationId: string; appName: string }
  | { kind: 'invalid'; page: InstallPageView; draft: PreferenceDraft }
  /** Next / Back: the draft to keep and the page to show */
  | { kind: 'moved'; page: number; locationId: string; draft: PreferenceDraft };

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
  async start(account: AccountSummary, smartAppId: string, locationId: unknown, page = 0, draft: PreferenceDraft = {}): Promise<InstallStart> {
    const { app, version } = await this.published(smartAppId);
    const locations = await this.locations.listForAccount(account.id);
    const chosen = typeof locationId === 'string' && locationId !== '' ? locations.find((l) => l.id === locationId) : locations.length === 1 ? locations[0] : undefined;
    if (!chosen) {
      return { kind: 'choose_location', app, locations };
    }
    return { kind: 'preferences', page: await this.page(app, version, chosen, draft, {}, page, locations.length > 1) };
  }

  /** The session key of a catalog install's draft: one app in one location. */
  draftKey(smartAppId: string, locationId: unknown): string {
    return `catalog:${smartAppId}:${typeof locationId === 'string' ? locationId : ''}`;
  }

  /** A page's post: Next / Back keep the draft; Install checks every page like the consent, then installation, grants and installed() in one transaction. */
  async install(
    account: AccountSummary,
    smartAppId: string,
    locationId: unknown,
    posted: unknown,
    move: { page: number | null; move: PageMove; draft: PreferenceDraft } = { page: null, move: 'finish', draft: {} },
  ): Promise<InstallOutcome> {
    const { app, version } = await this.published(smartAppId);
    const location = typeof locationId === 'string' ? await this.locations.findForAccount(account.id, locationId) : null;
    if (!location) {
      throw new PageError(400, 'Choose a location', 'The location was not found among yours. Go back and choose one of your locations.');
    }
    const offered = await this.devices.inLocation(location.id);
    const step = preferenceStep(version.definition, offered, await this.locations.modeNames(location.id), move.draft, posted, move.page, move.move);
    if (step.kind === 'page') {
      if (Object.keys(step.errors).length === 0) {
        return { kind: 'moved', page: step.page, locationId: location.id, draft: step.draft };
      }
      const several = (await this.locations.listForAccount(account.id)).length > 1;
      return { kind: 'invalid', page: await this.page(app, version, location, step.draft, step.errors, step.page, several), draft: step.draft };
    }
    const choices = step;
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
    draft: PreferenceDraft,
    errors: Record<string, string>,
    page: number,
    canChangeLocation: boolean,
  ): Promise<InstallPageView> {
    const devices = await this.devices.inLocation(location.id);
    const definition = version.definition;
    const modes = await this.locations.modeNames(location.id);
    return {
      title: `Install ${app.name}`,
      app,
      location,
      form: preferenceForm(definition, { devices, modes, current: postedChoices(draft), errors, page: clampPage(definition, page) }),
      action: `/catalog/${app.id}/install`,
      iconUrl: definition.iconUrl ?? null,
      canChangeLocation,
    };
  }
}

function entryOf(app: SmartAppView): CatalogEntry {
  return { id: app.id, name: app.name, namespace: app.namespace, author: app.author, description: app.description, category: app.category };
}
