import { Inject, Injectable } from '@nestjs/common';
import { AccountSummary } from '../accounts/accounts.service';
import { randomToken, sha256 } from '../common/secrets';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { ClientsService } from '../oauth/clients.service';
import type { OAuthClient } from '../oauth/oauth-client.entity';
import { TokensService } from '../oauth/tokens.service';
import { SmartAppsService } from '../smartapps/smartapps.service';
import { ClientMetadata, RegistrationError } from './client-metadata';

export type RegistrationReply = Record<string, unknown>;

@Injectable()
export class RegistrationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly clients: ClientsService,
    private readonly tokens: TokensService,
    private readonly smartApps: SmartAppsService,
  ) {}

  /** RFC 7591 §3.2.1: the client, bound to one of the developer's SmartApps. */
  async register(developer: AccountSummary, metadata: ClientMetadata): Promise<RegistrationReply> {
    const smartAppId = await this.smartAppOf(developer, metadata.smartAppId);
    if (metadata.clientId && (await this.clients.find(metadata.clientId))) {
      throw new RegistrationError('invalid_client_metadata', `client_id ${metadata.clientId} is taken`);
    }
    const app = await this.smartApps.findById(smartAppId);
    const registrationToken = randomToken(32);
    const isPublic = metadata.tokenEndpointAuthMethod === 'none';
    const created = await this.clients.create({
      clientId: metadata.clientId ?? undefined,
      clientSecret: isPublic ? null : (metadata.clientSecret ?? undefined),
      name: metadata.name ?? app?.name ?? 'Unnamed client',
      smartAppId,
      redirectUris: metadata.redirectUris,
      grantTypes: metadata.grantTypes,
      scopes: metadata.scopes,
      tokenEndpointAuthMethod: metadata.tokenEndpointAuthMethod,
      classicCompat: metadata.classicCompat,
      registrationTokenHash: sha256(registrationToken),
    });
    const client = await this.clients.find(created.clientId);
    return {
      ...this.describe(client!),
      ...(created.clientSecret ? { client_secret: created.clientSecret, client_secret_expires_at: 0 } : {}),
      registration_access_token: registrationToken,
    };
  }

  /** RFC 7592 read. */
  describe(client: OAuthClient): RegistrationReply {
    return {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      client_name: client.name,
      redirect_uris: client.redirectUris,
      grant_types: client.grantTypes,
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      scope: client.scopes.join(' '),
      // the SMART auth-proxy's name for the scopes a client gets when it asks for none
      default_scopes: client.scopes,
      smartapp_id: client.smartAppId,
      classic_compat: client.classicCompat,
      registration_client_uri: `${this.config.baseUrl}/oauth/register/${encodeURIComponent(client.clientId)}`,
    };
  }

  /** RFC 7592 update: the metadata is replaced; the client id, secret and SmartApp stay. */
  async update(client: OAuthClient, metadata: ClientMetadata): Promise<RegistrationReply> {
    if (metadata.clientId !== null && metadata.clientId !== client.clientId) {
      throw new RegistrationError('invalid_client_metadata', 'client_id cannot change');
    }
    if (metadata.clientSecret !== null && !this.clients.secretMatches(client, metadata.clientSecret)) {
      throw new RegistrationError('invalid_client_metadata', 'client_secret, when sent, must be the current one');
    }
    if ((metadata.tokenEndpointAuthMethod === 'none') !== (client.clientSecretHash === null)) {
      throw new RegistrationError('invalid_client_metadata', 'A client cannot switch between public and confidential; register a new one');
    }
    await this.clients.replaceMetadata(client.clientId, {
      name: metadata.name ?? client.name,
      redirectUris: metadata.redirectUris,
      grantTypes: metadata.grantTypes,
      scopes: metadata.scopes,
      tokenEndpointAuthMethod: metadata.tokenEndpointAuthMethod,
      classicCompat: metadata.classicCompat,
    });
    return this.describe((await this.clients.find(client.clientId))!);
  }

  /** RFC 7592 delete: the client and every token it holds end now. */
  async remove(client: OAuthClient): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.tokens.revokeClient(tx, client.clientId);
      await this.clients.remove(client.clientId, tx);
    });
  }

  private async smartAppOf(developer: AccountSummary, requested: string | null): Promise<string> {
    if (requested) {
      const app = await this.smartApps.findForAuthor(developer.id, requested);
      if (!app) {
        throw new RegistrationError('invalid_client_metadata', 'smartapp_id must name one of your SmartApps');
      }
      return app.id;
    }
    const own = await this.smartApps.listForAuthor(developer.id);
    if (own.length !== 1) {
      throw new RegistrationError('invalid_client_metadata', own.length === 0 ? 'Publish a SmartApp first: a client is bound to one' : 'smartapp_id is required: you have several SmartApps');
    }
    return own[0].id;
  }
}
