import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, LessThan } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import type { HandlerRef } from '../sandbox/sandbox.types';
import { AppLogsService } from './app-logs.service';
import { Installation } from './installation.entity';
import { InstallationRuntime, InvocationOutcome } from './installation-runtime.service';
import { InstallationsService, InstallationView, NewInstallation } from './installations.service';
import { SettingValue } from './installation-settings';
import { ChosenGrant } from './preference-choices';

export type InstallationErrorCode =
  /** the SmartApp's handler threw or timed out: nothing was written (its log lines were kept) */
  | 'handler_failed'
  /** the installation, its SmartApp's version or its location no longer exists */
  | 'gone'
  /** the caller's claim inside the transaction failed (e.g. the consent was already used) */
  | 'claim_refused';

/** One error for every way an install, reconfigure or uninstall can be refused. */
export class InstallationError extends Error {
  constructor(
    readonly code: InstallationErrorCode,
    /** the error id in the SmartApp's log, for handler_failed */
    readonly errorId: string | null = null,
  ) {
    super(errorId ? `${code} (error id ${errorId})` : code);
    this.name = 'InstallationError';
  }
}

/** Work another module does inside the uninstall (or sweep) transaction: revoke tokens, drop event rows. */
export interface UninstallHook {
  onUninstall(tx: EntityManager, installationId: string): Promise<void>;
}

export interface InstallRequest<T> extends NewInstallation {
  status: 'pending' | 'active';
  /** the activity line recorded with it */
  activity: string;
  /** first thing in the install transaction; return false to refuse (nothing is written) */
  claim?: (tx: EntityManager) => Promise<boolean>;
  /** last thing in the install transaction (e.g. issue the authorization code) */
  within?: (tx: EntityManager, installation: InstallationView) => Promise<T>;
}

export interface TransactionTiming {
  /** how long the write transaction of the last install/reconfigure stayed open, in ms */
  lastWriteMs: number;
  /** the longest seen since start */
  longestWriteMs: number;
}

const INSTALLED: HandlerRef = { kind: 'lifecycle', name: 'installed' };
const UPDATED: HandlerRef = { kind: 'lifecycle', name: 'updated' };
const UNINSTALLED: HandlerRef = { kind: 'lifecycle', name: 'uninstalled' };
const NO_REQUEST = { params: {}, body: null, headers: {} };
const PENDING_MARGIN_SECONDS = 30;

/**
 * The one home of install, reconfigure and uninstall (used by the authorize flow, the catalog and
 * Connected apps). A lifecycle handler runs in the sandbox on a snapshot with no transaction open;
 * then the rows and the handler's effects are written in one short transaction. A failing handler
 * leaves nothing behind but its lines in the author's log.
 */
@Injectable()
export class InstallationLifecycle {
  private readonly logger = new Logger(InstallationLifecycle.name);
  private readonly uninstallHooks: UninstallHook[] = [];
  readonly timing: TransactionTiming = { lastWriteMs: 0, longestWriteMs: 0 };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly clock: Clock,
    private readonly installations: InstallationsService,
    private readonly runtime: InstallationRuntime,
    private readonly appLogs: AppLogsService,
  ) {}

  addUninstallHook(hook: UninstallHook): void {
    this.uninstallHooks.push(hook);
  }

  async install<T>(request: InstallRequest<T>): Promise<{ installation: InstallationView; result: T | undefined }> {
    const now = this.clock.now();
    const draft: Installation = {
      id: randomUUID(),
      smartAppId: request.smartAppId,
      smartAppVersionId: request.smartAppVersionId,
      accountId: request.accountId,
      locationId: request.locationId,
      clientId: request.clientId,
      settings: request.settings,
      state: {},
      status: request.status,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    };
    const grants = request.grants.map((g) => ({ inputName: g.inputName, deviceId: g.deviceId, capability: g.capability }));
    const loaded = await this.transactions.read((m) => this.runtime.load(m, draft, grants));
    if (!loaded) {
      throw new InstallationError('gone');
    }
    const result = await this.runtime.execute(loaded, INSTALLED, NO_REQUEST);
    await this.refuseFailure(draft, INSTALLED, result);
    return this.timed(async (tx) => {
      if (request.claim && !(await request.claim(tx))) {
        throw new InstallationError('claim_refused');
      }
      const installation = await this.installations.create(tx, { ...request, id: draft.id, createdAt: now });
      const outcome = await this.runtime.applyResult(tx, { ...draft }, INSTALLED, result);
      this.mustBeOk(outcome);
      await this.installations.recordActivity(installation.id, 'lifecycle', request.activity, tx);
      const extra = request.within ? await request.within(tx, installation) : undefined;
      return { installation, result: extra };
    });
  }

  /** New settings and grants; `updated()` runs on them first and, if it fails, nothing changes. */
  async reconfigure(installationId: string, settings: Record<string, SettingValue>, chosen: ChosenGrant[], activity: string): Promise<void> {
    const grants = chosen.map((g) => ({ inputName: g.inputName, deviceId: g.deviceId, capability: g.capability }));
    const loaded = await this.transactions.read(async (m) => {
      const installation = await this.installations.findLive(installationId, m);
      return installation ? this.runtime.load(m, { ...installation, settings }, grants) : null;
    });
    if (!loaded) {
      throw new InstallationError('gone');
    }
    const result = await this.runtime.execute(loaded, UPDATED, NO_REQUEST);
    if (!result.ok) {
      const failed = this.runtime.describeFailure(loaded.installation, UPDATED, result);
      await this.transactions.run(async (tx) => {
        if (failed && (await this.installations.findLive(installationId, tx))) {
          await this.runtime.applyResult(tx, loaded.installation, UPDATED, result, failed);
          await this.installations.recordActivity(installationId, 'error', `Reconfiguration refused: updated() failed (error id ${failed.errorId}); nothing was changed`, tx);
        }
      });
      throw new InstallationError('handler_failed', failed?.errorId ?? null);
    }
    await this.timed(async (tx) => {
      const current = await this.installations.findLive(installationId, tx);
      if (!current) {
        throw new InstallationError('gone');
      }
      await this.installations.reconfigure(tx, installationId, settings, chosen);
      this.mustBeOk(await this.runtime.applyResult(tx, { ...current, settings }, UPDATED, result));
      await this.installations.recordActivity(installationId, 'lifecycle', activity, tx);
    });
  }

  /**
   * `uninstalled()` runs first (its failure does not keep the installation), then the
   * installation, its grants and everything the hooks own (tokens, subscriptions…) end together.
   */
  async uninstall(installationId: string, reason: string): Promise<void> {
    const outcome = await this.runtime.invoke(installationId, UNINSTALLED, NO_REQUEST);
    if (outcome.kind === 'failed') {
      this.logger.warn(`uninstalled() of ${installationId} failed (error id ${outcome.errorId}); uninstalling anyway`);
    }
    await this.transactions.run(async (tx) => {
      await this.installations.markUninstalled(tx, installationId);
      for (const hook of this.uninstallHooks) {
        await hook.onUninstall(tx, installationId);
      }
      await this.installations.recordActivity(installationId, 'lifecycle', reason, tx);
    });
  }

  /**
   * Pending installations whose authorization code expired unexchanged: removed with their grants
   * and whatever their installed() created. Returns how many went.
   */
  async sweepPending(now: Date = this.clock.now()): Promise<number> {
    // a code lives at most AUTHORIZATION_CODE_TTL from the moment its installation was written; the
    // margin keeps the sweep clear of an exchange that is being refused for expiry at that moment
    const before = new Date(now.getTime() - (this.config.authorizationCodeTtlSeconds + PENDING_MARGIN_SECONDS) * 1000);
    return this.transactions.run(async (tx) => {
      const stale = await tx.getRepository(Installation).find({ select: { id: true }, where: { status: 'pending', createdAt: LessThan(before) } });
      if (stale.length === 0) {
        return 0;
      }
      const ids = stale.map((s) => s.id);
      for (const id of ids) {
        for (const hook of this.uninstallHooks) {
          await hook.onUninstall(tx, id);
        }
      }
      await this.installations.forget(tx, ids);
      await this.appLogs.forgetInstallations(tx, ids);
      return ids.length;
    });
  }

  private async refuseFailure(draft: Installation, handler: HandlerRef, result: Awaited<ReturnType<InstallationRuntime['execute']>>): Promise<void> {
    const failed = this.runtime.describeFailure(draft, handler, result);
    if (failed) {
      // nothing is stored for a failed install, except the author's log of why
      await this.runtime.keepFailureLogs(failed);
      throw new InstallationError('handler_failed', failed.errorId);
    }
  }

  private mustBeOk(outcome: InvocationOutcome): void {
    if (outcome.kind === 'failed') {
      throw new InstallationError('handler_failed', outcome.errorId);
    }
    if (outcome.kind === 'gone') {
      throw new InstallationError('gone');
    }
  }

  private async timed<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    let opened = 0;
    try {
      return await this.transactions.run((tx) => {
        opened = performance.now();
        return work(tx);
      });
    } finally {
      if (opened > 0) {
        const ms = performance.now() - opened;
        this.timing.lastWriteMs = ms;
        this.timing.longestWriteMs = Math.max(this.timing.longestWriteMs, ms);
      }
    }
  }
}
