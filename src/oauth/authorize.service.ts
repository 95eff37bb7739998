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
import { PageMove, PreferenceDraft, preferenceStep } from '../installations/preference-flow';
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
  /** another preference page to show (after Next / Back), or the same one with errors */
  | { kind: 'page'; page: number; draft: PreferenceDraft; errors: Record<string, string>; status: number };

/** A transaction that was denied: Back (or a second post) returns to the client, as the Deny did. */
export class DeniedAlready extends Error {
  constructor(readonly url: string) {
    super('denied');
  }
}


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
      preferenceDraft: null,
      decision: null,
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
    if (txn.consumedAt && txn.decision === 'deny') {
      throw new DeniedAlready(this.deniedUrl(txn));
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

  async appOf(client: OAuthClient): Promise<SmartAppView | null> {
    return this.smartApps.findById(client.smartAppId);
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

  async deny(ctx: TransactionContext): Promise<DecisionOutcome> {
    if (!(await this.transactions.run((tx) => this.consume(tx, ctx, 'deny')))) {
      throw ALREADY_USED;
    }
    return { kind: 'redirect', url: this.deniedUrl(ctx.txn) };
  }

  /** Where "back to the client" leads: its redirect URI with access_denied, as Deny answers. */
  deniedUrl(txn: AuthorizeTransaction): string {
    return withResponseParams(txn.redirectUri, { error: 'access_denied', error_description: 'The user denied the request', state: txn.state, iss: this.issuer });
  }

  /** The choices of the preference pages posted so far. */
  draftOf(ctx: TransactionContext): PreferenceDraft {
    try {
      const parsed: unknown = ctx.txn.preferenceDraft ? JSON.parse(ctx.txn.preferenceDraft) : {};
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as PreferenceDraft) : {};
    } catch {
      return {};
    }
  }

  async modesOf(location: LocationView): Promise<string[]> {
    return this.locations.modeNames(location.id);
  }

  private async saveDraft(ctx: TransactionContext, draft: PreferenceDraft): Promise<void> {
    const json = JSON.stringify(draft);
    ctx.txn.preferenceDraft = json;
    await this.transactions.run((tx) => tx.getRepository(AuthorizeTransaction).update({ idHash: ctx.txn.idHash, consumedAt: IsNull() }, { preferenceDraft: json }));
  }

  /**
   * A preference page's post: Next and Back keep the choices in the transaction and move between
   * pages; the last page's Authorize checks every page, then `installed()` on a snapshot, then
   * consent, installation, grants, effects and the code in one short transaction.
   */
  async allow(ctx: TransactionContext, posted: unknown, page: number | null = null, move: PageMove = 'finish'): Promise<DecisionOutcome> {
    const location = await this.chosenLocation(ctx);
    if (!location) {
      throw STALE;
    }
    const offered = await this.devices.inLocation(location.id);
    const step = preferenceStep(ctx.version.definition, offered, await this.modesOf(location), this.draftOf(ctx), posted, page, move);
    if (step.kind === 'page') {
      await this.saveDraft(ctx, step.draft);
      return { kind: 'page', page: step.page, draft: step.draft, errors: step.errors, status: Object.keys(step.errors).length ? 400 : 303 };
    }
    const choices = step;
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
        claim: (tx) => this.consume(tx, ctx, 'allow'),
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
  private async consume(tx: EntityManager, ctx: TransactionContext, decision: 'allow' | 'deny'): Promise<boolean> {
    const consumed = await tx
      .createQueryBuilder()
      .update(AuthorizeTransaction)
      .set({ consumedAt: this.clock.now(), decision })
      .where('id_hash = :idHash AND consumed_at IS NULL', { idHash: ctx.txn.idHash })
      .execute();
    return consumed.affected === 1;
  }
}
