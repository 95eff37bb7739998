import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { PlatformUnavailableError } from '../common/platform-unavailable';
import { findCapability } from '../locations/capabilities';
import { DeviceCommandError, DevicesService, DeviceView } from '../locations/devices.service';
import { LocationsService, LocationView } from '../locations/locations.service';
import { SandboxService } from '../sandbox/sandbox.service';
import type { Effects, HandlerRef, LogLine, SandboxQuarantine, SandboxRefusal, SandboxResponse, SandboxResult } from '../sandbox/sandbox.types';
import { SmartAppsService, VersionView } from '../smartapps/smartapps.service';
import { AppLogLine, AppLogsService } from './app-logs.service';
import { Installation } from './installation.entity';
import { installationPatch } from './installation-patch';
import { GrantView, InstallationsService } from './installations.service';
import { buildSnapshot, RequestParts } from './snapshot-builder';

export interface LoadedInstallation {
  installation: Installation;
  version: VersionView;
  location: LocationView;
  grants: GrantView[];
  devices: DeviceView[];
  /** the location's mode names */
  modes?: string[];
}

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

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly installations: InstallationsService,
    private readonly smartApps: SmartAppsService,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly sandbox: SandboxService,
    private readonly appLogs: AppLogsService,
  ) {}

  addEffectsSink(sink: InstallationEffectsSink): void {
    this.effectsSinks.push(sink);
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
    const loaded = await this.transactions.read(async (m) => {
      const installation = await this.installations.findActive(installationId, m);
      return installation ? this.load(m, installation) : null;
    });
    if (!loaded) {
      return { kind: 'gone' };
    }
    const result = await this.execute(loaded, handler, request);
    if (!result.ok && result.error.refusal) {
      // refused at once, nothing ran: no write, the caller answers 429 / 503 with Retry-After
      return refusedOf(result);
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
    // SmartThings classic: installations run the newest published version of their SmartApp.
    const version = await this.smartApps.latestVersion(installation.smartAppId, manager);
    const location = await this.locations.findById(installation.locationId, manager);
    if (!version || !location) {
      return null;
    }
    const granted = grants ?? (await this.installations.grantsOf(installation.id, manager));
    const devices = await this.devices.byIds([...new Set(granted.map((g) => g.deviceId))], manager);
    const modes = await this.locations.modeNames(location.id, manager);
    return { installation, version, location, grants: granted, devices, modes };
  }

  /** Runs the handler in the sandbox on a snapshot; no database access. */
  async execute(loaded: LoadedInstallation, handler: HandlerRef, request: RequestParts): Promise<SandboxResult> {
    const { installation, version } = loaded;
    const snapshot = buildSnapshot({
      installation,
      definition: version.definition,
      grants: loaded.grants.map((g) => ({ id: '', installationId: installation.id, ...g })),
      devices: loaded.devices,
      location: loaded.location,
      modes: loaded.modes,
      request,
      now: new Date(),
    });
    const result = await this.sandbox.run({
      versionKey: version.id,
      source: version.source,
      handler,
      snapshot,
      limits: { cpuMs: this.config.sandbox.cpuMs, memoryBytes: this.config.sandbox.memoryBytes },
      owner: { installationId: installation.id, appId: installation.smartAppId },
    });
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
    await this.applyEffects(tx, installation, result.effects, startState);
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

  private async applyEffects(tx: EntityManager, installation: Installation, effects: Effects, startState: Installation['state']): Promise<void> {
    const grants = await this.installations.grantsOf(installation.id, tx);
    for (const issued of effects.commands) {
      // the DeviceGrant decides, whatever the sandbox reported
      const grant = grants.find(
        (g) => g.deviceId === issued.deviceId && g.inputName === issued.inputName && findCapability(g.capability)?.commands.some((c) => c.name === issued.command),
      );
      if (!grant) {
        this.logger.warn(`installation ${installation.id} tried ${issued.command} on ungranted device ${issued.deviceId}`);
        await this.installations.recordActivity(installation.id, 'denied', `Refused ${issued.command} on a device it was not granted`, tx);
        await this.storeLogs(tx, installation, [{ level: 'warn', message: `refused ${issued.command} on device ${issued.deviceId}: not granted` }]);
        continue;
      }
      try {
        const change = await this.devices.executeCommand(tx, {
          deviceId: issued.deviceId,
          command: issued.command,
          args: issued.args,
          capability: grant.capability,
          source: `installation:${installation.id}`,
        });
        await this.installations.recordActivity(installation.id, 'command', `${issued.command}(${issued.args.map((a) => JSON.stringify(a)).join(', ')}) on device ${issued.deviceId}: ${change.attribute} → ${String(change.value)}`, tx);
      } catch (err) {
        if (!(err instanceof DeviceCommandError)) {
          throw err;
        }
        await this.storeLogs(tx, installation, [{ level: 'warn', message: `command ${issued.command} refused: ${err.message}` }]);
      }
    }
    // a handler that left its state alone must not write back what it read: a concurrent handler's change would be lost
    const stateChanged = JSON.stringify(effects.state) !== JSON.stringify(startState);
    await tx.getRepository(Installation).update({ id: installation.id }, installationPatch(stateChanged ? { state: effects.state, lastUsedAt: new Date() } : { lastUsedAt: new Date() }));
    await this.storeLogs(tx, installation, effects.logs);
    for (const sink of this.effectsSinks) {
      await this.storeLogs(tx, installation, await sink.apply(tx, installation, effects));
    }
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
