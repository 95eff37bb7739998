import { Injectable } from '@nestjs/common';
import { PageError } from '../common/api-errors';
import { ActivityKind } from '../installations/activity-log.entity';
import { InstallationError, InstallationLifecycle } from '../installations/installation-lifecycle.service';
import { InstallationsService, InstallationView } from '../installations/installations.service';
import { checkChoices, formErrorOf } from '../installations/preference-choices';
import { postedChoices, preferenceSections, PreferenceSectionView } from '../installations/preference-page';
import { findCapability } from '../locations/capabilities';
import { DevicesService } from '../locations/devices.service';
import { LocationsService, LocationView } from '../locations/locations.service';
import { ClientsService } from '../oauth/clients.service';
import { TokensService } from '../oauth/tokens.service';
import { UninstallService } from '../oauth/uninstall.service';
import { deviceInputs, valueInputs } from '../smartapps/smartapp-definition';
import { SmartAppsService, SmartAppView, VersionView } from '../smartapps/smartapps.service';

export const ACTIVITY_PAGE_SIZE = 20;

const DEVICE_ID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

const ACTIVITY_LABELS: Record<ActivityKind, string> = {
  api_call: 'API call',
  command: 'Command',
  lifecycle: 'Lifecycle',
  error: 'Error',
  denied: 'Refused',
  event: 'Event',
  callback: 'Callback',
};

export interface ActivityRow {
  at: Date;
  kind: ActivityKind;
  label: string;
  summary: string;
  isError: boolean;
}

/**
 * What a person can tell from Connected apps: `pending` (authorized, the service has not finished
 * connecting), `connected` (the service holds a working token, or installed from the catalog),
 * `signed_out` (the service gave back every token: it can no longer act; Remove ends it).
 */
export type ConnectionState = 'pending' | 'connected' | 'signed_out';

const STATE_LABELS: Record<ConnectionState, string> = {
  pending: 'Waiting for the service to finish connecting',
  connected: 'Connected',
  signed_out: 'Signed out: the service can no longer use it',
};

export interface ConnectedAppView {
  id: string;
  state: ConnectionState;
  stateLabel: string;
  /** signed out: the page offers Remove instead of Disconnect (there is nothing left to disconnect) */
  isSignedOut: boolean;
  appName: string;
  appAuthor: string;
  appDescription: string;
  clientName: string;
  locationName: string;
  /** the location's zone: the page shows times in it */
  timeZone: string;
  inputs: { title: string; allows: string; devices: string[] }[];
  values: { title: string; value: string }[];
  createdAt: Date;
  lastUsedAt: Date | null;
  activity: ActivityRow[];
}

/** What the preference template needs to re-open the installation's choices. */
export interface ConfigurePageView {
  title: string;
  app: SmartAppView;
  client: { name: string; host: string | null };
  location: LocationView;
  sections: PreferenceSectionView[];
  hasErrors: boolean;
  formError: string | null;
  action: string;
  decisionAllow: 'save';
  allowLabel: string;
  cancelUrl: string;
  reconfigure: true;
  canChangeLocation: false;
}

export type ReconfigureOutcome = { kind: 'saved'; appName: string } | { kind: 'invalid'; page: ConfigurePageView };

interface Loaded {
  installation: InstallationView;
  app: SmartAppView;
  version: VersionView;
  location: LocationView;
  clientName: string;
  clientHost: string | null;
}

const NOT_FOUND = new PageError(404, 'Connected app not found', 'There is no connected app with this address among yours. It may have been disconnected. Go to Connected apps to see the ones you have.');

// "Connected apps": each installation of the user, its devices and activity; reconfigure and disconnect.
@Injectable()
export class ConnectedAppsService {
  constructor(
    private readonly installations: InstallationsService,
    private readonly lifecycle: InstallationLifecycle,
    private readonly tokens: TokensService,
    private readonly smartApps: SmartAppsService,
    private readonly clients: ClientsService,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly uninstaller: UninstallService,
  ) {}

  async listForAccount(accountId: string, recent = 5): Promise<ConnectedAppView[]> {
    const installs = await this.installations.listForAccount(accountId);
    const views: ConnectedAppView[] = [];
    for (const installation of installs) {
      const loaded = await this.load(accountId, installation.id);
      if (loaded) {
        views.push(await this.describe(loaded, recent, 0));
      }
    }
    return views;
  }

  /** One installation with one page of its activity (pages count from 1). */
  async detailForAccount(accountId: string, installationId: string, page: number): Promise<{ app: ConnectedAppView; page: number; hasNext: boolean }> {
    const loaded = await this.mustLoad(accountId, installationId);
    const view = await this.describe(loaded, ACTIVITY_PAGE_SIZE + 1, (page - 1) * ACTIVITY_PAGE_SIZE);
    const hasNext = view.activity.length > ACTIVITY_PAGE_SIZE;
    view.activity = view.activity.slice(0, ACTIVITY_PAGE_SIZE);
    return { app: view, page, hasNext };
  }

  /** Short names of installations for messages ("Device Bridge, connected by Demo Service"). */
  async namesOf(accountId: string, installationIds: string[]): Promise<string[]> {
    const names: string[] = [];
    for (const id of installationIds) {
      const loaded = await this.load(accountId, id);
      if (loaded) {
        names.push(`${loaded.app.name} (connected by ${loaded.clientName})`);
      }
    }
    return names;
  }

  async configurePage(accountId: string, installationId: string): Promise<ConfigurePageView> {
    const loaded = await this.mustLoad(accountId, installationId);
    const grants = await this.installations.grantsOf(installationId);
    const current: Record<string, string[]> = {};
    for (const g of grants) {
      (current[g.inputName] ??= []).push(g.deviceId);
    }
    return this.page(loaded, { devices: current, values: loaded.installation.settings }, {});
  }

  /**
   * Checks the new choices like the consent page does, then in one transaction replaces settings
   * and grants and runs the app's updated(); if updated() fails, nothing changes.
   */
  async reconfigure(accountId: string, installationId: string, posted: unknown): Promise<ReconfigureOutcome> {
    const loaded = await this.mustLoad(accountId, installationId);
    const offered = await this.devices.inLocation(loaded.location.id);
    const choices = checkChoices(loaded.version.definition, offered, posted);
    if (!choices.ok) {
      return { kind: 'invalid', page: await this.page(loaded, postedChoices(posted), choices.errors) };
    }
    try {
      await this.lifecycle.reconfigure(installationId, choices.settings, choices.grants, `Reconfigured by you: ${choices.grants.length} device(s) granted`);
    } catch (err) {
      if (!(err instanceof InstallationError)) {
        throw err;
      }
      if (err.code === 'gone') {
        throw NOT_FOUND;
      }
      throw new PageError(
        500,
        `${loaded.app.name} could not be updated`,
        `The SmartApp reported an error while applying your changes (error id ${err.errorId}). Nothing was changed: it keeps the devices it had. Try again later, or contact its author (${loaded.app.author}).`,
      );
    }
    return { kind: 'saved', appName: loaded.app.name };
  }

  /** The app's name, for the confirmation page; 404 when it is not the user's. */
  async confirmDisconnect(accountId: string, installationId: string): Promise<ConnectedAppView> {
    return this.describe(await this.mustLoad(accountId, installationId), 0, 0);
  }

  /** Disconnect: uninstalled() runs, grants go, every token of the installation stops working at once. */
  async disconnect(accountId: string, installationId: string): Promise<string> {
    const loaded = await this.mustLoad(accountId, installationId);
    await this.uninstaller.uninstall(installationId, 'Disconnected by you on Connected apps');
    return loaded.app.name;
  }

  private async stateOf(installation: InstallationView): Promise<ConnectionState> {
    if (installation.status === 'pending') {
      return 'pending';
    }
    if (installation.clientId === null) {
      return 'connected';
    }
    return (await this.tokens.hasLiveToken(installation.id)) ? 'connected' : 'signed_out';
  }

  private async mustLoad(accountId: string, installationId: string): Promise<Loaded> {
    const loaded = await this.load(accountId, installationId);
    if (!loaded) {
      throw NOT_FOUND;
    }
    return loaded;
  }

  private async load(accountId: string, installationId: string): Promise<Loaded | null> {
    const installation = await this.installations.findLiveForAccount(accountId, installationId);
    if (!installation) {
      return null;
    }
    const app = await this.smartApps.findById(installation.smartAppId);
    const version = app ? await this.smartApps.latestVersion(app.id) : null;
    const location = await this.locations.findForAccount(accountId, installation.locationId);
    if (!app || !version || !location) {
      return null;
    }
    const client = installation.clientId ? await this.clients.find(installation.clientId) : null;
    const redirect = client?.redirectUris[0];
    return {
      installation,
      app,
      version,
      location,
      clientName: client?.name ?? 'this platform',
      clientHost: redirect ? new URL(redirect).host : null,
    };
  }

  private async describe(loaded: Loaded, activityLimit: number, activityOffset: number): Promise<ConnectedAppView> {
    const { installation, app, version, location } = loaded;
    const grants = await this.installations.grantsOf(installation.id);
    const devices = await this.devices.byIds([...new Set(grants.map((g) => g.deviceId))]);
    const label = new Map(devices.map((d) => [d.id, d.label]));
    const activity = activityLimit > 0 ? await this.installations.activityOf(installation.id, activityLimit, activityOffset) : [];
    // the log names devices by id; the user knows them by name
    const named = new Map((await this.devices.inLocation(location.id)).map((d) => [d.id, d.label]));
    const readable = (summary: string) => summary.replace(DEVICE_ID, (id) => (named.has(id) ? `“${named.get(id)}”` : id));
    const state = await this.stateOf(installation);
    return {
      id: installation.id,
      state,
      stateLabel: STATE_LABELS[state],
      isSignedOut: state === 'signed_out',
      appName: app.name,
      appAuthor: app.author,
      appDescription: app.description,
      clientName: loaded.clientName,
      locationName: location.name,
      timeZone: location.timeZone,
      inputs: deviceInputs(version.definition).map((input) => ({
        title: input.title,
        allows: findCapability(input.capability)?.allows ?? input.capability,
        devices: grants.filter((g) => g.inputName === input.name).map((g) => label.get(g.deviceId) ?? 'a deleted device'),
      })),
      values: valueInputs(version.definition).map((input) => {
        const value = installation.settings[input.name];
        return { title: input.title, value: value === null || value === undefined ? '—' : String(value) };
      }),
      createdAt: installation.createdAt,
      lastUsedAt: installation.lastUsedAt,
      activity: activity.map((a) => ({ at: a.at, kind: a.kind, label: ACTIVITY_LABELS[a.kind] ?? a.kind, summary: readable(a.summary), isError: a.kind === 'error' || a.kind === 'denied' })),
    };
  }

  private async page(
    loaded: Loaded,
    current: Parameters<typeof preferenceSections>[2],
    errors: Record<string, string>,
  ): Promise<ConfigurePageView> {
    const devices = await this.devices.inLocation(loaded.location.id);
    return {
      title: `Change ${loaded.app.name}`,
      app: loaded.app,
      client: { name: loaded.clientName, host: loaded.clientHost },
      location: loaded.location,
      sections: preferenceSections(loaded.version.definition, devices, current, errors),
      hasErrors: Object.keys(errors).length > 0,
      formError: formErrorOf(errors),
      action: `/apps/${loaded.installation.id}/configure`,
      decisionAllow: 'save',
      allowLabel: 'Save changes',
      cancelUrl: `/apps/${loaded.installation.id}`,
      reconfigure: true,
      canChangeLocation: false,
    };
  }
}
