import { Injectable } from '@nestjs/common';
import type { AccountSummary } from '../accounts/accounts.service';
import { AppLogEntry, AppLogsService } from '../installations/app-logs.service';
import { InstallationsService } from '../installations/installations.service';
import { ClientsService } from '../oauth/clients.service';
import { type AppUsage, SandboxService } from '../sandbox/sandbox.service';
import type { SmartAppDefinition } from '../smartapps/smartapp-definition';
import { InvalidSmartAppError, SmartAppNameTakenError, SmartAppsService, SmartAppView } from '../smartapps/smartapps.service';
import { DeveloperError, smartAppNotFound } from './developer.errors';
import { OAuth1ConsumersService } from '../oauth1/oauth1-consumers.service';

export interface SmartAppSummary {
  id: string;
  namespace: string;
  name: string;
  latestVersion: number | null;
  installations: number;
}

export interface SmartAppDetail {
  id: string;
  namespace: string;
  name: string;
  author: string;
  description: string;
  category: string;
  versions: { version: number; createdAt: Date }[];
  installations: number;
  definition: SmartAppDefinition | null;
  oauth: {
    enabled: boolean;
    clientId: string | null;
    clientName: string | null;
    redirectUris: string[];
    callbackPrefixes: string[];
    classicCompat: boolean;
    /** SMART OAuth 1.0a (docs/smart.md): the consumer key is the client id */
    oauth1?: { consumerKey: string; callbackUrl: string; indexUrl: string } | null;
  };
  usage: SmartAppUsage;
}

/** What the sandbox did for a SmartApp (this instance, since it started): docs/authoring.md "Limits and quarantine". */
/** The sandbox's usage of a SmartApp as the developer API shows it: times as ISO strings. */
export interface SmartAppUsage extends Omit<AppUsage, 'window'> {
  smartAppId: string;
  since: string;
  window: Omit<AppUsage['window'], 'resetsAt'> & { resetsAt: string };
}

const STARTED_AT = new Date();

export interface LogsFilter {
  installationId?: string;
  since?: Date;
  limit?: number;
}

// Publishing and reading back one's own SmartApps. Every query is scoped by the author: another
// developer's SmartApp id is "not found", never "forbidden".
@Injectable()
export class DeveloperSmartAppsService {
  constructor(
    private readonly smartApps: SmartAppsService,
    private readonly installations: InstallationsService,
    private readonly clients: ClientsService,
    private readonly appLogs: AppLogsService,
    private readonly sandbox: SandboxService,
    private readonly oauth1: OAuth1ConsumersService,
  ) {}

  /** Runs, CPU time, kills, refusals and quarantines of the developer's SmartApp in this instance. */
  async usage(developer: AccountSummary, smartAppId: string): Promise<SmartAppUsage> {
    const app = await this.mustOwn(developer, smartAppId);
    return this.usageOf(app.id);
  }

  private usageOf(smartAppId: string): SmartAppUsage {
    const usage = this.sandbox.usage(smartAppId);
    return {
      smartAppId,
      since: STARTED_AT.toISOString(),
      ...usage,
      cpuMs: Math.round(usage.cpuMs),
      window: { cpuMs: Math.round(usage.window.cpuMs), budgetMs: usage.window.budgetMs, resetsAt: new Date(usage.window.resetsAt).toISOString() },
    };
  }

  async list(developer: AccountSummary): Promise<SmartAppSummary[]> {
    const apps = await this.smartApps.listForAuthor(developer.id);
    const summaries: SmartAppSummary[] = [];
    for (const app of apps) {
      const latest = await this.smartApps.latestVersion(app.id);
      summaries.push({
        id: app.id,
        namespace: app.namespace,
        name: app.name,
        latestVersion: latest?.version ?? null,
        installations: await this.installations.countActiveForSmartApp(app.id),
      });
    }
    return summaries;
  }

  /** A new SmartApp with its first version; invalid source stores nothing. */
  async publish(developer: AccountSummary, source: string): Promise<{ id: string; namespace: string; name: string; version: number }> {
    try {
      const published = await this.smartApps.create(developer.id, source);
      return { id: published.smartAppId, namespace: published.definition.namespace, name: published.definition.name, version: published.version };
    } catch (err) {
      if (err instanceof SmartAppNameTakenError) {
        throw await this.nameTaken(developer, source, err.message);
      }
      throw asDeveloperError(err);
    }
  }

  /**
   * A new version of one's SmartApp. Existing installations run it from their next call on
   * (SmartThings classic); no lifecycle handler runs for them.
   */
  async publishVersion(developer: AccountSummary, smartAppId: string, source: string): Promise<{ id: string; version: number }> {
    await this.mustOwn(developer, smartAppId);
    let published;
    try {
      published = await this.smartApps.addVersion(developer.id, smartAppId, source);
    } catch (err) {
      throw asDeveloperError(err);
    }
    if (!published) {
      throw smartAppNotFound();
    }
    return { id: published.smartAppId, version: published.version };
  }

  async detail(developer: AccountSummary, smartAppId: string): Promise<SmartAppDetail> {
    const app = await this.mustOwn(developer, smartAppId);
    const versions = await this.smartApps.versionsOf(app.id);
    const [client] = await this.clients.forSmartApp(app.id);
    const smart = client ? await this.oauth1.urlsOf(client.clientId) : null;
    return {
      id: app.id,
      namespace: app.namespace,
      name: app.name,
      author: app.author,
      description: app.description,
      category: app.category,
      versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt })),
      installations: await this.installations.countActiveForSmartApp(app.id),
      definition: versions[0]?.definition ?? null,
      oauth: {
        enabled: client !== undefined,
        clientId: client?.clientId ?? null,
        clientName: client?.name ?? null,
        redirectUris: client?.redirectUris ?? [],
        callbackPrefixes: client?.callbackPrefixes ?? [],
        classicCompat: client?.classicCompat ?? false,
        oauth1: client && smart ? { consumerKey: client.clientId, ...smart } : null,
      },
      usage: this.usageOf(app.id),
    };
  }

  /** The SmartApp's log lines (ctx.log and handler failures), oldest first; only its author reads them. */
  async logs(developer: AccountSummary, smartAppId: string, filter: LogsFilter): Promise<AppLogEntry[]> {
    const app = await this.mustOwn(developer, smartAppId);
    return this.appLogs.listForSmartApp(app.id, { installationId: filter.installationId, since: filter.since, limit: filter.limit ?? 200 });
  }

  /** The developer's own SmartApp, or "not found". */
  async mustOwn(developer: AccountSummary, smartAppId: string): Promise<SmartAppView> {
    const app = smartAppId.length <= 36 ? await this.smartApps.findForAuthor(developer.id, smartAppId) : null;
    if (!app) {
      throw smartAppNotFound();
    }
    return app;
  }

  private async nameTaken(developer: AccountSummary, source: string, message: string): Promise<DeveloperError> {
    const definition = await this.smartApps.parse(source);
    const own = (await this.smartApps.listForAuthor(developer.id)).find((a) => a.namespace === definition.namespace && a.name === definition.name);
    const hint = own ? ` (yours: publish a new version with POST /api/developer/smartapps/${own.id}/versions)` : '';
    return new DeveloperError('smartapp_exists', `${message}${hint}`, [{ path: 'definition.name', message }], own?.id ?? null);
  }
}

function asDeveloperError(err: unknown): unknown {
  return err instanceof InvalidSmartAppError ? new DeveloperError('invalid_smartapp', err.message, err.issues) : err;
}
