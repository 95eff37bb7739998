import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { PlatformUnavailableError } from '../common/platform-unavailable';
import { AttributeValue, findCapability } from '../locations/capabilities';
import { DeviceCommandError, DevicesService, DeviceView } from '../locations/devices.service';
import { LocationsService, LocationView } from '../locations/locations.service';
import { SandboxService } from '../sandbox/sandbox.service';
import type { Effects, HandlerRef, HttpPolicy, IssuedCommand, LogLine, SandboxDeviceEvent, SandboxQuarantine, SandboxRefusal, SandboxResponse, SandboxResult, SnapshotApp } from '../sandbox/sandbox.types';
import { SmartAppsService, VersionView } from '../smartapps/smartapps.service';
import { AppLogLine, AppLogsService } from './app-logs.service';
import { InstallationContextCache } from './installation-context-cache';
import { AtomicSnapshot, AtomicStateConflict, readAtomicState, writeAtomicState } from './atomic-state';
import { sourceUses } from './source-uses';
import { Installation } from './installation.entity';
import { installationPatch } from './installation-patch';
import { GrantView, InstallationsService } from './installations.service';
import { buildSnapshot, RequestParts } from './snapshot-builder';
import { UsageBuffer } from './usage-buffer.service';

export interface LoadedInstallation {
  installation: Installation;
  version: VersionView;
  location: LocationView;
  grants: GrantView[];
  devices: DeviceView[];
  /** ctx.atomicState as read, with the version its write is compared against */
  atomic: AtomicSnapshot;
  app: SnapshotApp;
  http: HttpPolicy;
  /** recent events per device, newest first; loaded only for SmartApps that call `device.events()` */
  deviceEvents?: Record<string, SandboxDeviceEvent[]>;
  /** the location's mode names */
  modes: string[];
}

/** A subscription as ctx.app.subscriptions shows it; `deviceId` null for a location one. */
export interface AppSubscriptionRow {
  id: string;
  deviceId: string | null;
  attribute: string;
  value: string | null;
  handler: string;
}

/** What the events module tells a run: the installation's subscriptions, and where its ctx.httpGet & co. may go. */
export interface RunContextSource {
  subscriptionsOf(manager: EntityManager, installationId: string): Promise<AppSubscriptionRow[]>;
  httpPolicyOf(manager: EntityManager, clientId: string | null): Promise<HttpPolicy>;
}

// concurrent runs of one installation that all change ctx.atomicState: each conflict re-runs one handler
const MAX_ATOMIC_ATTEMPTS = 20;

/** How many recent events per device a handler's `device.events(max)` can see. */
export const DEVICE_EVENTS_IN_SNAPSHOT = 20;

export type InvocationOutcome =
  | { kind: 'ok'; response: SandboxResponse }
  /** `logs`: the lines stored for the failure, to keep with `keepFailureLogs` when the caller's transaction rolls back */
  | { kind: 'failed'; failure: 'timeout' | 'error'; errorId: string; message: string; installationId: string; smartAppId: string; logs: AppLogLine[] }
  | { kind: 'gone' }
  /** the sandbox refused the call without running it: a full queue, a spent CPU budget or a quarantine (429; 503 when `overloaded`) */
  | { kind: 'refused'; reason: SandboxRefusal['reason']; retryAfterSeconds: number; message: string };

/**
 * Applies the effects another module owns (subscriptions, schedules, callbacks: src/events), inside
 * the handler's transaction; returns lines for the app's log (e.g. why an op was refused).
 */
export interface InstallationEffectsSink {
  apply(tx: EntityManager, installation: Pick<Installation, 'id' | 'clientId' | 'locationId' | 'accountId' | 'smartAppId'>, effects: Effects): Promise<LogLine[]>;
}

@Injectable()
export class InstallationRuntime {
  private readonly logger = new Logger(InstallationRuntime.name);
  private readonly effectsSinks: InstallationEffectsSink[] = [];
  private runContext: RunContextSource | undefined;
  /** the ctx.atomicState version each result's run started from */
  private readonly atomicVersions = new WeakMap<SandboxResult, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly installations: InstallationsService,
    private readonly smartApps: SmartAppsService,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly sandbox: SandboxService,
    private readonly appLogs: AppLogsService,
    private readonly contexts: InstallationContextCache,
    private readonly usage: UsageBuffer,
  ) {}

  addEffectsSink(sink: InstallationEffectsSink): void {
    this.effectsSinks.push(sink);
  }

  setRunContextSource(source: RunContextSource): void {
    this.runContext = source;
  }

  /**
   * Runs one handler of a stored, connected installation: the snapshot is read first, the sandbox
   * runs with no transaction open, then its effects are written in one short transaction (in which
   * the installation must still be connected, or the effects are dropped as `gone`).
   */
  async invoke(installationId: string, handler: HandlerRef, request: RequestParts): Promise<InvocationOutcome> {
    const early = this.refusedNow(installationId);
    if (early) {
      return early;
    }
    const loaded = await this.resolve(installationId);
    return loaded ? this.invokeLoaded(loaded, handler, request) : { kind: 'gone' };
  }

  /**
   * A connected installation with everything a handler sees, resolved once per call: the row
   * (status, settings, state) and the granted devices (current state) are read, the rest comes
   * from the resolution cache when warm: two statements.
   */
  async resolve(installationId: string): Promise<LoadedInstallation | null> {
    return this.transactions.read(async (m) => {
      const installation = await this.installations.findActive(installationId, m);
      return installation ? this.load(m, installation) : null;
    });
  }

  /** `invoke` for an installation the caller has resolved (and checked) already. */
  async invokeLoaded(loaded: LoadedInstallation, handler: HandlerRef, request: RequestParts): Promise<InvocationOutcome> {
    // a run whose ctx.atomicState write lost the compare-and-swap wrote nothing: it runs again on the fresh value
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.invokeLoadedOnce(loaded, handler, request);
      } catch (err) {
        if (!(err instanceof AtomicStateConflict) || attempt >= MAX_ATOMIC_ATTEMPTS) {
          throw err;
        }
      }
      const fresh = await this.resolve(loaded.installation.id);
      if (!fresh) {
        return { kind: 'gone' };
      }
      loaded = fresh;
    }
  }

  private async invokeLoadedOnce(loaded: LoadedInstallation, handler: HandlerRef, request: RequestParts): Promise<InvocationOutcome> {
    const installationId = loaded.installation.id;
    const early = this.refusedNow(installationId);
    if (early) {
      return early;
    }
    const result = await this.execute(loaded, handler, request);
    if (!result.ok && result.error.refusal) {
      // refused at once, nothing ran: no write, the caller answers 429 / 503 with Retry-After
      return refusedOf(result);
    }
    if (result.ok && changesNothing(result.effects, loaded.installation.state)) {
      // a read: no transaction on the request path, only its (buffered) use
      this.usage.touch(installationId);
      return { kind: 'ok', response: result.effects.response };
    }
    return this.transactions.run(async (tx) => {
      const still = await this.installations.findActive(installationId, tx);
      if (!still) {
        return { kind: 'gone' };
      }
      return this.applyResult(tx, still, handler, result, null, loaded.installation.state);
    });
  }

  /**
   * What a handler of this installation would see: its version, location, grants and devices.
   * The installation may be a draft that is not stored yet (install, reconfigure): `grants` then
   * replace the stored ones.
   */
  async load(manager: EntityManager, installation: Installation, grants?: GrantView[]): Promise<LoadedInstallation | null> {
    const fetch = async () => {
      // SmartThings classic: installations run the newest published version of their SmartApp.
      const latest = () => this.smartApps.latestVersion(installation.smartAppId, manager);
      const version = grants ? await latest() : await this.contexts.latestVersion(installation.smartAppId, latest);
      const location = await this.locations.findById(installation.locationId, manager);
      if (!version || !location) {
        return null;
      }
      const modes = await this.locations.modeNames(location.id, manager);
      return { version, location, modes, grants: grants ?? (await this.installations.grantsOf(installation.id, manager)) };
    };
    // a draft (install, reconfigure) brings its own grants and is not what is stored: never cached
    const context = grants ? await fetch() : await this.contexts.resolve(installation, fetch);
    if (!context) {
      return null;
    }
    const { version, location, modes, grants: granted } = context;
    // what only some SmartApps use is read only for those that mention it (a warm GET stays at two reads)
    const uses = sourceUses(version);
    const subscriptions = uses.subscriptions ? ((await this.runContext?.subscriptionsOf(manager, installation.id)) ?? []) : [];
    const deviceIds = new Set([...granted.map((g) => g.deviceId), ...subscriptions.flatMap((s) => (s.deviceId ? [s.deviceId] : []))]);
    // device state is always read: it changes with every command and sensor reading
    const allDevices = await this.devices.byIds([...deviceIds], manager);
    const grantedIds = new Set(granted.map((g) => g.deviceId));
    const devices = allDevices.filter((d) => grantedIds.has(d.id));
    const byId = new Map(allDevices.map((d) => [d.id, d]));
    const app: SnapshotApp = {
      id: installation.id,
      label: version.definition.name,
      name: version.definition.name,
      subscriptions: subscriptions.flatMap((s) => {
        const device = s.deviceId ? byId.get(s.deviceId) : undefined;
        if (s.deviceId && !device) {
          return [];
        }
        return [{ id: s.id, device: device ? { id: device.id, name: device.deviceType, label: device.label } : null, attribute: s.attribute, value: s.value, handler: s.handler }];
      }),
    };
    const atomic = uses.atomicState ? await readAtomicState(manager, installation.id) : { state: {}, version: 0 };
    const http = (uses.http ? await this.runContext?.httpPolicyOf(manager, installation.clientId) : undefined) ?? { prefixes: [], allowPrivateNetwork: false };
    // only SmartApps whose source mentions `events(` pay for the extra reads
    const deviceEvents = /\bevents\s*\(/.test(version.source) ? await this.recentDeviceEvents(devices, manager) : undefined;
    return { installation, version, location, modes, grants: granted, devices, atomic, app, http, ...(deviceEvents ? { deviceEvents } : {}) };
  }

  private async recentDeviceEvents(devices: DeviceView[], manager: EntityManager): Promise<Record<string, SandboxDeviceEvent[]>> {
    const byDevice: Record<string, SandboxDeviceEvent[]> = {};
    for (const d of devices) {
      const rows = await this.devices.recentEvents(d.id, DEVICE_EVENTS_IN_SNAPSHOT, manager);
      byDevice[d.id] = rows.map((e) => ({ name: e.attribute, value: e.value, unit: e.unit, date: new Date(e.createdAt).toISOString() }));
    }
    return byDevice;
  }

  /** Runs the handler in the sandbox on a snapshot; no database access. */
  async execute(loaded: LoadedInstallation, handler: HandlerRef, request: RequestParts): Promise<SandboxResult> {
    const { installation, version } = loaded;
    const built = buildSnapshot({
      installation,
      definition: version.definition,
      grants: loaded.grants.map((g) => ({ id: '', installationId: installation.id, ...g })),
      devices: loaded.devices,
      location: loaded.location,
      modes: loaded.modes,
      request,
      now: new Date(),
      ...(loaded.deviceEvents ? { deviceEvents: loaded.deviceEvents } : {}),
    });
    const snapshot = { ...built, atomicState: loaded.atomic.state, app: loaded.app };
    const result = await this.sandbox.run({
      versionKey: version.id,
      source: version.source,
      handler,
      snapshot,
      limits: { cpuMs: this.config.sandbox.cpuMs, memoryBytes: this.config.sandbox.memoryBytes },
      owner: { installationId: installation.id, appId: installation.smartAppId },
      http: loaded.http,
    });
    this.atomicVersions.set(result, loaded.atomic.version);
    if (!result.ok && result.error.kind === 'unavailable') {
      // the platform lost the call (worker died, shutting down): not the app's failure, nothing kept
      throw new PlatformUnavailableError(result.error.message);
    }
    return result;
  }

  /**
   * Writes a handler's result inside the caller's (short) transaction: its effects when it
   * succeeded, its failure in the app's log and activity otherwise. A call the sandbox refused
   * (full queue, spent budget, quarantine) ran nothing and writes nothing.
   */
  async applyResult(
    tx: EntityManager,
    installation: Installation,
    handler: HandlerRef,
    result: SandboxResult,
    /** the failure already described to the user (so the error id in the log is the same) */
    described: Extract<InvocationOutcome, { kind: 'failed' }> | null = null,
    /** the state the handler started from; only a changed state is written (default: the installation's) */
    startState: Installation['state'] = installation.state,
  ): Promise<InvocationOutcome> {
    if (!result.ok && result.error.refusal) {
      return refusedOf(result);
    }
    if (!result.ok) {
      const failed = described ?? failureOf(installation, handler, result);
      await this.storeLogs(tx, installation, failed.logs);
      await this.installations.recordActivity(installation.id, 'error', `${handler.name} failed: ${describeFailure(result.error.kind)} (error id ${failed.errorId})`, tx);
      for (const quarantine of result.quarantines ?? []) {
        await this.installations.recordActivity(installation.id, 'error', quarantineText(quarantine), tx);
      }
      return failed;
    }
    await this.applyEffects(tx, installation, result.effects, startState, this.atomicVersions.get(result));
    return { kind: 'ok', response: result.effects.response };
  }

  /** The failure outcome of a result, without writing anything (for a draft that will not be stored). */
  describeFailure(installation: Installation, handler: HandlerRef, result: SandboxResult): Extract<InvocationOutcome, { kind: 'failed' }> | null {
    return result.ok ? null : failureOf(installation, handler, result);
  }

  /** A quarantined installation, or one that spent its CPU budget, is refused before anything is loaded. */
  refusedNow(installationId: string): Extract<InvocationOutcome, { kind: 'refused' }> | undefined {
    const refusal = this.sandbox.refusalOf(installationId);
    return refusal ? { kind: 'refused', ...refusal } : undefined;
  }

  private async applyEffects(tx: EntityManager, installation: Installation, effects: Effects, startState: Installation['state'], atomicVersion: number | undefined): Promise<void> {
    if (effects.atomicState) {
      // first, so a run that lost the compare-and-swap has written nothing else
      await writeAtomicState(tx, installation.id, effects.atomicState, atomicVersion ?? (await readAtomicState(tx, installation.id)).version);
    }
    const grants = effects.commands.length > 0 ? await this.installations.grantsOf(installation.id, tx) : [];
    const activity: { kind: 'command' | 'denied' | 'callback'; summary: string }[] = [];
    const warnings: AppLogLine[] = [];
    const granted: { issued: IssuedCommand; capability: string }[] = [];
    for (const issued of effects.commands) {
      // the DeviceGrant decides, whatever the sandbox reported
      const grant = grants.find(
        // any grant of the device: its proxy carries the commands of every capability it was granted through
        (g) => g.deviceId === issued.deviceId && findCapability(g.capability)?.commands.some((c) => c.name === issued.command),
      );
      if (!grant) {
        this.logger.warn(`installation ${installation.id} tried ${issued.command} on ungranted device ${issued.deviceId}`);
        activity.push({ kind: 'denied', summary: `Refused ${issued.command} on a device it was not granted` });
        warnings.push({ level: 'warn', message: `refused ${issued.command} on device ${issued.deviceId}: not granted` });
        continue;
      }
      granted.push({ issued, capability: grant.capability });
    }
    // batched: one SELECT of the devices, an UPDATE per device, one INSERT of their events
    const results = await this.devices.executeCommands(
      tx,
      granted.map(({ issued, capability }) => ({ deviceId: issued.deviceId, command: issued.command, args: issued.args, capability, source: `installation:${installation.id}` })),
    );
    results.forEach((changes, i) => {
      const issued = granted[i].issued;
      if (changes instanceof DeviceCommandError) {
        warnings.push({ level: 'warn', message: `command ${issued.command} refused: ${changes.message}` });
      } else {
        activity.push({ kind: 'command', summary: `${issued.command}(${issued.args.map((a) => JSON.stringify(a)).join(', ')}) on device ${issued.deviceId}: ${changeText(changes)}` });
      }
    });
    // the user sees where the app sent requests, as for callbacks
    for (const sent of effects.requests ?? []) {
      activity.push({ kind: 'callback', summary: `Request ${sent.method} ${sent.url}: ${sent.outcome}`.slice(0, 500) });
    }
    await this.installations.recordActivities(tx, installation.id, activity);
    if (JSON.stringify(effects.state) !== JSON.stringify(startState)) {
      await tx.getRepository(Installation).update({ id: installation.id }, installationPatch({ state: effects.state }));
    }
    // last_used_at is observability: buffered, never a statement of this transaction
    this.usage.touch(installation.id);
    const lines = [...warnings, ...effects.logs];
    for (const sink of this.effectsSinks) {
      lines.push(...(await sink.apply(tx, installation, effects)));
    }
    // one INSERT for all of them
    await this.storeLogs(tx, installation, lines);
  }

  /**
   * A failed handler's log lines went with the caller's rolled-back transaction (e.g. `installed()`
   * in the authorize transaction); this stores them again on their own, so the author still sees why.
   */
  async keepFailureLogs(outcome: Extract<InvocationOutcome, { kind: 'failed' }>): Promise<void> {
    await this.appLogs.appendAfterRollback({ installationId: outcome.installationId, smartAppId: outcome.smartAppId }, outcome.logs);
  }

  private async storeLogs(tx: EntityManager, installation: Installation, logs: AppLogLine[]): Promise<void> {
    await this.appLogs.append(tx, { installationId: installation.id, smartAppId: installation.smartAppId }, logs);
  }
}

/** True when applying these effects would write nothing: no command, log line, subscription, schedule or callback, and the state as it was. */
function changesNothing(effects: Effects, startState: Installation['state']): boolean {
  // every effect but the response and an unchanged state is a write (new kinds of effect count too)
  return Object.entries(effects).every(([key, value]: [string, unknown]) => {
    if (key === 'response') {
      return true;
    }
    if (key === 'state') {
      return JSON.stringify(value) === JSON.stringify(startState);
    }
    return Array.isArray(value) ? value.length === 0 : value === undefined;
  });
}

function refusedOf(result: Extract<SandboxResult, { ok: false }>): InvocationOutcome {
  const refusal = result.error.refusal;
  if (!refusal) {
    throw new Error('not a refusal');
  }
  return { kind: 'refused', ...refusal, message: result.error.message };
}

function quarantineText(quarantine: SandboxQuarantine): string {
  const seconds = Math.ceil(quarantine.durationMs / 1000);
  return quarantine.scope === 'installation'
    ? `Quarantined for ${seconds} s after repeated deadline or memory kills: its handlers are refused until then`
    : `This SmartApp version is quarantined for ${seconds} s after deadline or memory kills in several installations`;
}

function failureOf(installation: Installation, handler: HandlerRef, result: Extract<SandboxResult, { ok: false }>): Extract<InvocationOutcome, { kind: 'failed' }> {
  const errorId = randomUUID();
  const logs: AppLogLine[] = [
    ...result.logs,
    { level: 'error', message: `[${errorId}] ${handler.kind} ${handler.name} failed (${result.error.kind}): ${result.error.message}${result.error.stack ? `\n${result.error.stack}` : ''}` },
    ...(result.quarantines ?? []).map((q): AppLogLine => ({ level: 'error', message: quarantineText(q) })),
  ];
  const failure = result.error.kind === 'timeout' ? 'timeout' : 'error';
  return { kind: 'failed', failure, errorId, message: result.error.message, installationId: installation.id, smartAppId: installation.smartAppId, logs };
}

function describeFailure(kind: string): string {
  switch (kind) {
    case 'timeout':
      return 'took too long';
    case 'memory':
      return 'used too much memory';
    case 'invalid_result':
      return 'returned something that is not JSON';
    default:
      return 'threw an error';
  }
}

function changeText(changes: { attribute: string; value: AttributeValue }[]): string {
  return changes.length === 0 ? 'no state change' : changes.map((c) => `${c.attribute} → ${typeof c.value === 'string' ? c.value : JSON.stringify(c.value)}`).join(', ');
}
