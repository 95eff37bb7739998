import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { PageError } from '../common/api-errors';
import { randomToken, sha256 } from '../common/secrets';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { Clock } from '../common/clock';
import { InstallationError, InstallationLifecycle } from '../installations/installation-lifecycle.service';
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


const ALREADY_USED = new PageError(
  409,
  'This authorization was already used',
  'A decision was already made on this authorization request (perhaps in another tab, or by a second click). Nothing more was done. Go back to the application and start again if you need to.',
);

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
    private readonly lifecycle: InstallationLifecycle,
    private readonly clock: Clock,
  ) {}

  get issuer(): string {
    return this.config.baseUrl;
  }

  /** Starts a transaction for a checked request; returns its id (the hash is what is stored). */
  async begin(request: AuthorizationRequest, accountId: string, sessionBinding: string): Promise<{ id: string; locations: LocationView[] }> {
    const id = randomToken(32);
    const now = this.clock.now();
    const locations = await this.locations.listForAccount(accountId);
    const row: AuthorizeTransaction = {
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
      consumedAt: null,
      createdAt: now,
    };
    await this.transactions.run((tx) => tx.getRepository(AuthorizeTransaction).insert(row));
    return { id, locations };
  }

  /** The transaction, only for the account and browser session that started it. */
  async load(id: unknown, accountId: string, sessionBinding: string): Promise<TransactionContext> {
    if (typeof id !== 'string' || id.length < 20 || id.length > 100) {
      throw STALE;
    }
    const txn = await this.txns.findOne({ where: { idHash: sha256(id) } });
    if (!txn || txn.accountId !== accountId || txn.sessionBinding !== sessionBinding || txn.expiresAt.getTime() <= this.clock.now().getTime()) {
      throw STALE;
    }
    if (txn.consumedAt) {
      throw ALREADY_USED;
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
    await this.transactions.run((tx) => tx.getRepository(AuthorizeTransaction).update({ idHash: ctx.txn.idHash, consumedAt: IsNull() }, { locationId: location.id }));
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

  /** Allow: `installed()` on a snapshot, then consent, installation, grants, effects and the code in one short transaction. */
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
    try {
      const { result: code } = await this.lifecycle.install({
        smartAppId: ctx.app.id,
        smartAppVersionId: ctx.version.id,
        accountId: ctx.txn.accountId,
        locationId: location.id,
        clientId: ctx.client.clientId,
        settings: choices.settings,
        grants: choices.grants,
        // connected once the client exchanges the code; swept with its grants if it never does
        status: 'pending',
        activity: `Installed by ${ctx.client.name} with ${choices.grants.length} device(s)`,
        claim: (tx) => this.consume(tx, ctx),
        within: (tx, installation) =>
          this.tokens.issueCode(tx, {
            clientId: ctx.client.clientId,
            installationId: installation.id,
            accountId: ctx.txn.accountId,
            redirectUri: ctx.txn.redirectUri,
            scope: ctx.txn.scope,
            codeChallenge: ctx.txn.codeChallenge,
            codeChallengeMethod: ctx.txn.codeChallengeMethod,
          }),
      });
      return { kind: 'redirect', url: withResponseParams(ctx.txn.redirectUri, { code: code ?? '', state: ctx.txn.state, iss: this.issuer }) };
    } catch (err) {
      if (!(err instanceof InstallationError)) {
        throw err;
      }
      if (err.code === 'claim_refused') {
        throw ALREADY_USED;
      }
      if (err.code === 'gone') {
        throw STALE;
      }
      throw new PageError(
        500,
        `${ctx.app.name} could not be set up`,
        `The SmartApp reported an error while being installed (error id ${err.errorId}). Nothing was installed. Try again later or contact its author.`,
      );
    }
  }

  /** Consent exactly once: of any number of decisions on one transaction, one sees it unconsumed. */
  private async consume(tx: EntityManager, ctx: TransactionContext): Promise<boolean> {
    const consumed = await tx
      .createQueryBuilder()
      .update(AuthorizeTransaction)
      .set({ consumedAt: this.clock.now() })
      .where('id_hash = :idHash AND consumed_at IS NULL', { idHash: ctx.txn.idHash })
      .execute();
    return consumed.affected === 1;
  }

  private async finish(ctx: TransactionContext, params: Record<string, string>): Promise<DecisionOutcome> {
    if (!(await this.transactions.run((tx) => this.consume(tx, ctx)))) {
      throw ALREADY_USED;
    }
    return { kind: 'redirect', url: withResponseParams(ctx.txn.redirectUri, { ...params, state: ctx.txn.state, iss: this.issuer }) };
  }
}
