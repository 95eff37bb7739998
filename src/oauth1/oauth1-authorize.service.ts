import { Injectable } from '@nestjs/common';
import { PageError } from '../common/api-errors';
import { InstallationError, InstallationLifecycle } from '../installations/installation-lifecycle.service';
import { checkChoices } from '../installations/preference-choices';
import { DevicesService } from '../locations/devices.service';
import { LocationsService, LocationView } from '../locations/locations.service';
import { ClientsService } from '../oauth/clients.service';
import { OAuthClient } from '../oauth/oauth-client.entity';
import { withResponseParams } from '../oauth/redirect-uri';
import { SmartAppsService, SmartAppView, VersionView } from '../smartapps/smartapps.service';
import { Transactions } from '../database/transactions';
import { OAuth1Token } from './oauth1-token.entity';
import { OAuth1TokensService } from './oauth1-tokens.service';

export interface OAuth1AuthorizeContext {
  token: string;
  accountId: string;
  row: OAuth1Token;
  client: OAuthClient;
  app: SmartAppView;
  version: VersionView;
  location: LocationView;
  callbackUrl: string;
}

export type OAuth1Decision = { kind: 'redirect'; url: string } | { kind: 'invalid'; errors: Record<string, string> };

const STALE = new PageError(400, 'This authorization has expired', 'The authorization request was not found, has expired or was already decided. Go back to the application and start again.');
const NOT_YOURS = new PageError(403, 'This record is not yours', 'The application asked for access to a location that does not belong to your account. Nothing was shared and you have not been redirected.');

// GET /oauth/authorize?oauth_token=… : the same consent (preference pages, CSRF, installation) as
// OAuth2, on the request token's record, ending in a verifier instead of a code.
@Injectable()
export class OAuth1AuthorizeService {
  constructor(
    private readonly transactions: Transactions,
    private readonly tokens: OAuth1TokensService,
    private readonly clients: ClientsService,
    private readonly smartApps: SmartAppsService,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly lifecycle: InstallationLifecycle,
  ) {}

  /** The request token's consent, for this person and browser session only. */
  async open(token: unknown, accountId: string, sessionBinding: string): Promise<OAuth1AuthorizeContext> {
    const row = typeof token === 'string' ? await this.tokens.find(token) : null;
    if (!row || row.kind !== 'request' || !this.tokens.isLive(row) || row.decidedAt || !row.callbackUrl) {
      throw STALE;
    }
    const location = await this.locations.findForAccount(accountId, row.recordId);
    if (!location) {
      throw NOT_YOURS;
    }
    if (!(await this.tokens.bind(row, accountId, sessionBinding))) {
      throw STALE;
    }
    const client = await this.clients.find(row.clientId);
    const app = client ? await this.smartApps.findById(client.smartAppId) : null;
    const version = app ? await this.smartApps.latestVersion(app.id) : null;
    if (!client || !app || !version) {
      throw STALE;
    }
    return { token: token as string, accountId, row, client, app, version, location, callbackUrl: row.callbackUrl };
  }

  modesOf(ctx: OAuth1AuthorizeContext): Promise<string[]> {
    return this.locations.modeNames(ctx.location.id);
  }

  devicesIn(ctx: OAuth1AuthorizeContext) {
    return this.devices.inLocation(ctx.location.id);
  }

  async deny(ctx: OAuth1AuthorizeContext): Promise<OAuth1Decision> {
    if (!(await this.transactions.run((tx) => this.tokens.decide(tx, ctx.row, true)))) {
      throw STALE;
    }
    return { kind: 'redirect', url: withResponseParams(ctx.callbackUrl, { denied: ctx.token }) };
  }

  /** Allow: the installation (pending until the access token is issued), the decision and the verifier in one transaction. */
  async allow(ctx: OAuth1AuthorizeContext, posted: unknown): Promise<OAuth1Decision> {
    const choices = checkChoices(ctx.version.definition, await this.devicesIn(ctx), posted, { modes: await this.modesOf(ctx) });
    if (!choices.ok) {
      return { kind: 'invalid', errors: choices.errors };
    }
    try {
      const { result: verifier } = await this.lifecycle.install({
        smartAppId: ctx.app.id,
        smartAppVersionId: ctx.version.id,
        accountId: ctx.accountId,
        locationId: ctx.location.id,
        clientId: ctx.client.clientId,
        settings: choices.settings,
        grants: choices.grants,
        status: 'pending',
        activity: `Installed by ${ctx.client.name} (SMART OAuth 1.0a) with ${choices.grants.length} device(s)`,
        claim: (tx) => this.tokens.decide(tx, ctx.row, false),
        within: (tx, installation) => this.tokens.authorize(tx, ctx.row, installation.id),
      });
      return { kind: 'redirect', url: withResponseParams(ctx.callbackUrl, { oauth_token: ctx.token, oauth_verifier: verifier ?? '' }) };
    } catch (err) {
      if (err instanceof InstallationError && err.code !== 'handler_failed') {
        throw STALE;
      }
      if (err instanceof InstallationError) {
        throw new PageError(500, `${ctx.app.name} could not be set up`, `The SmartApp reported an error while being installed (error id ${err.errorId}). Nothing was installed.`);
      }
      throw err;
    }
  }
}
