import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { PlatformUnavailableError } from '../common/platform-unavailable';
import { findCapability } from '../locations/capabilities';
import { DeviceCommandError, DevicesService } from '../locations/devices.service';
import { LocationsService } from '../locations/locations.service';
import { SandboxService } from '../sandbox/sandbox.service';
import type { Effects, HandlerRef, LogLine, SandboxResponse } from '../sandbox/sandbox.types';
import { SmartAppsService } from '../smartapps/smartapps.service';
import { AppLogLine, AppLogsService } from './app-logs.service';
import { Installation } from './installation.entity';
import { installationPatch } from './installation-patch';
import { InstallationsService } from './installations.service';
import { buildSnapshot, RequestParts } from './snapshot-builder';

export type InvocationOutcome =
  | { kind: 'ok'; response: SandboxResponse }
  /** `logs`: the lines stored for the failure, to keep with `keepFailureLogs` when the caller's transaction rolls back */
  | { kind: 'failed'; failure: 'timeout' | 'error'; errorId: string; message: string; installationId: string; smartAppId: string; logs: AppLogLine[] }
  | { kind: 'gone' };

/**
 * Applies the effects another module owns (subscriptions, schedules, callbacks: src/events), inside
 * the handler's transaction; returns lines for the app's log (e.g. why an op was refused).
 */
export interface InstallationEffectsSink {
  apply(tx: EntityManager, installation: Pick<Installation, 'id' | 'clientId' | 'locationId'>, effects: Effects): Promise<LogLine[]>;
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
   * Runs one handler of an installation and applies its effects in one transaction
   * (the caller's, when given: e.g. `installed()` inside the authorize transaction).
   */
  async invoke(installationId: string, handler: HandlerRef, request: RequestParts, manager?: EntityManager): Promise<InvocationOutcome> {
    const m = manager ?? this.transactions.manager;
    const installation = await this.installations.findActive(installationId, m);
    if (!installation) {
      return { kind: 'gone' };
    }
    // SmartThings classic: installations run the newest published version of their SmartApp.
    const version = await this.smartApps.latestVersion(installation.smartAppId, m);
    const location = await this.locations.findById(installation.locationId, m);
    if (!version || !location) {
      return { kind: 'gone' };
    }
    const grants = await this.installations.grantsOf(installation.id, m);
    const devices = await this.devices.byIds([...new Set(grants.map((g) => g.deviceId))], m);
    const snapshot = buildSnapshot({
      installation,
      definition: version.definition,
      grants: grants.map((g) => ({ id: '', installationId: installation.id, ...g })),
      devices,
      location,
      request,
      now: new Date(),
    });
    const result = await this.sandbox.run({
      versionKey: version.id,
      source: version.source,
      handler,
      snapshot,
      limits: { cpuMs: this.config.sandbox.cpuMs, memoryBytes: this.config.sandbox.memoryBytes },
    });
    if (!result.ok && result.error.kind === 'unavailable') {
      // the platform lost the call (worker died, shutting down): not the app's failure, nothing kept
      throw new PlatformUnavailableError(result.error.message);
    }
    const apply = async (tx: EntityManager): Promise<InvocationOutcome> => {
      if (!result.ok) {
        const errorId = randomUUID();
        const logs: AppLogLine[] = [
          ...result.logs,
          { level: 'error', message: `[${errorId}] ${handler.kind} ${handler.name} failed (${result.error.kind}): ${result.error.message}${result.error.stack ? `\n${result.error.stack}` : ''}` },
        ];
        await this.storeLogs(tx, installation, logs);
        await this.installations.recordActivity(installation.id, 'error', `${handler.name} failed: ${describeFailure(result.error.kind)} (error id ${errorId})`, tx);
        const failure = result.error.kind === 'timeout' ? 'timeout' : 'error';
        return { kind: 'failed', failure, errorId, message: result.error.message, installationId: installation.id, smartAppId: installation.smartAppId, logs };
      }
      await this.applyEffects(tx, installation, result.effects);
      return { kind: 'ok', response: result.effects.response };
    };
    return manager ? apply(manager) : this.transactions.run(apply);
  }

  private async applyEffects(tx: EntityManager, installation: Installation, effects: Effects): Promise<void> {
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
    await tx.getRepository(Installation).update({ id: installation.id }, installationPatch({ state: effects.state, lastUsedAt: new Date() }));
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
