import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PageError } from '../common/api-errors';
import { randomToken, sha256 } from '../common/secrets';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { InstallationRuntime, InvocationOutcome } from '../installations/installation-runtime.service';
import { InstallationsService } from '../installations/installations.service';
import { checkChoices } from '../installations/preference-choices';
import { DevicesService } from '../locations/devices.service';
import { LocationsService, LocationView } from '../locations/locations.service';
import { SmartAppsService, SmartAppView, VersionView } from '../smartapps/smartapps.service';
import { AuthorizationRequest } from './authorization-request';
import { AuthorizeTransaction } from './authorize-transaction.entity';
import { ClientsService } from './clients.service';
import { OAuthClient } from './oauth-client.entity';
import { withResponseParams } from './redirect-uri';
import { TokensService } from './tokens.service';

export interface TransactionContext {
  id: string;
  txn: AuthorizeTransaction;
  client: OAuthClient;
  app: SmartAppView;
  version: VersionView;
}

export type DecisionOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'invalid'; errors: Record<string, string>; posted: unknown; status: number };

/** Thrown inside the install transaction so that it rolls back. */
class InstallAborted extends Error {
  constructor(readonly outcome: Exclude<InvocationOutcome, { kind: 'ok' }>) {
    super(outcome.kind === 'failed' ? outcome.errorId : 'gone');
  }
}

const STALE = new PageError(
  400,
  'This authorization has expired',
  'The authorization request was not found, has expired, or belongs to another session. Go back to the application and start again.',
);

@Injectable()
export class AuthorizeService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    @InjectRepository(AuthorizeTransaction) private readonly txns: Repository<AuthorizeTransaction>,
    private readonly clients: ClientsService,
    private readonly tokens: TokensService,
    private readonly smartApps: SmartAppsService,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly installations: InstallationsService,
    private readonly runtime: InstallationRuntime,
  ) {}

  get issuer(): string {
    return this.config.baseUrl;
  }

  /** Starts a transaction for a checked request; returns its id (the hash is what is stored). */
  async begin(request: AuthorizationRequest, accountId: string, sessionBinding: string): Promise<{ id: string; locations: LocationView[] }> {
    const id = randomToken(32);
    const now = new Date();
    const locations = await this.locations.listForAccount(accountId);
    await this.txns.insert({
      idHash: sha256(id),
      accountId,
      sessionBinding,
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      scope: request.scope,
      state: request.state,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      locationId: locations.length === 1 ? locations[0].id : null,
      expiresAt: new Date(now.getTime() + this.config.authorizeTransactionTtlSeconds * 1000),
      createdAt: now,
    });
    return { id, locations };
  }

  /** The transaction, only for the account and browser session that started it. */
  async load(id: unknown, accountId: string, sessionBinding: string): Promise<TransactionContext> {
    if (typeof id !== 'string' || id.length < 20 || id.length > 100) {
      throw STALE;
    }
    const txn = await this.txns.findOne({ where: { idHash: sha256(id) } });
    if (!txn || txn.accountId !== accountId || txn.sessionBinding !== sessionBinding || txn.expiresAt.getTime() <= Date.now()) {
      throw STALE;
    }
    const client = await this.clients.find(txn.clientId);
    const app = client ? await this.smartApps.findById(client.smartAppId) : null;
    const version = app ? await this.smartApps.latestVersion(app.id) : null;
    if (!client || !app || !version) {
      throw STALE;
    }
    return { id, txn, client, app, version };
  }

  async chooseLocation(ctx: TransactionContext, locationId: unknown): Promise<boolean> {
    const location = typeof locationId === 'string' ? await this.locations.findForAccount(ctx.txn.accountId, locationId) : null;
    if (!location) {
      return false;
    }
    await this.txns.update({ idHash: ctx.txn.idHash }, { locationId: location.id });
    return true;
  }

  async locationsOf(accountId: string): Promise<LocationView[]> {
    return this.locations.listForAccount(accountId);
  }

  async chosenLocation(ctx: TransactionContext): Promise<LocationView | null> {
    return ctx.txn.locationId ? this.locations.findForAccount(ctx.txn.accountId, ctx.txn.locationId) : null;
  }

  async devicesIn(location: LocationView) {
    return this.devices.inLocation(location.id);
  }

  deny(ctx: TransactionContext): Promise<DecisionOutcome> {
    return this.finish(ctx, { error: 'access_denied', error_description: 'The user denied the request' });
  }

  /** Allow: installation, grants, `installed()` and the code in one transaction, then the redirect. */
  async allow(ctx: TransactionContext, posted: unknown): Promise<DecisionOutcome> {
    const location = await this.chosenLocation(ctx);
    if (!location) {
      throw STALE;
    }
    const offered = await this.devices.inLocation(location.id);
    const choices = checkChoices(ctx.version.definition, offered, posted);
    if (!choices.ok) {
      return { kind: 'invalid', errors: choices.errors, posted, status: 400 };
    }
    let code: string;
    try {
      code = await this.transactions.run(async (tx) => {
        const installation = await this.installations.create(tx, {
          smartAppId: ctx.app.id,
          smartAppVersionId: ctx.version.id,
          accountId: ctx.txn.accountId,
          locationId: location.id,
          clientId: ctx.client.clientId,
          settings: choices.settings,
          grants: choices.grants,
        });
        const outcome = await this.runtime.invoke(installation.id, { kind: 'lifecycle', name: 'installed' }, { params: {}, body: null, headers: {} }, tx);
        if (outcome.kind !== 'ok') {
          throw new InstallAborted(outcome);
        }
        await this.installations.recordActivity(installation.id, 'lifecycle', `Installed by ${ctx.client.name} with ${choices.grants.length} device(s)`, tx);
        const issued = await this.tokens.issueCode(tx, {
          clientId: ctx.client.clientId,
          installationId: installation.id,
          accountId: ctx.txn.accountId,
          redirectUri: ctx.txn.redirectUri,
          scope: ctx.txn.scope,
          codeChallenge: ctx.txn.codeChallenge,
          codeChallengeMethod: ctx.txn.codeChallengeMethod,
        });
        await tx.getRepository(AuthorizeTransaction).delete({ idHash: ctx.txn.idHash });
        return issued;
      });
    } catch (err) {
      if (err instanceof InstallAborted) {
        if (err.outcome.kind === 'failed') {
          // the author's log of the failure went with the rollback: keep it
          await this.runtime.keepFailureLogs(err.outcome);
        }
        throw new PageError(
          500,
          `${ctx.app.name} could not be set up`,
          `The SmartApp reported an error while being installed (error id ${err.message}). Nothing was installed. Try again later or contact its author.`,
        );
      }
      throw err;
    }
    return { kind: 'redirect', url: withResponseParams(ctx.txn.redirectUri, { code, state: ctx.txn.state, iss: this.issuer }) };
  }

  private async finish(ctx: TransactionContext, params: Record<string, string>): Promise<DecisionOutcome> {
    await this.txns.delete({ idHash: ctx.txn.idHash });
    return { kind: 'redirect', url: withResponseParams(ctx.txn.redirectUri, { ...params, state: ctx.txn.state, iss: this.issuer }) };
  }
}
