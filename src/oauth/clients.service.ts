import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Invalidations } from '../invalidation/invalidations.service';
import { Transactions } from '../database/transactions';
import { constantTimeEquals, randomToken, sha256 } from '../common/secrets';
import { asWebhookSecret, newWebhookSecret } from '../common/webhook-secret';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { OAuthClient } from './oauth-client.entity';

export const SUPPORTED_SCOPES = ['app', 'offline_access'] as const;

export interface NewClient {
  clientId?: string;
  clientSecret?: string | null;
  name: string;
  smartAppId: string;
  redirectUris: string[];
  classicCompat?: boolean;
  allowPlainPkce?: boolean;
  callbackPrefixes?: string[];
  webhookSecret?: string;
  grantTypes?: string[];
  scopes?: string[];
  tokenEndpointAuthMethod?: OAuthClient['tokenEndpointAuthMethod'];
  registrationTokenHash?: string;
  accessTokenTtl?: number | null;
  refreshTokenTtl?: number | null;
}

/** Bound on cached clients: a flood of distinct client ids cannot grow memory (unknown ids are never cached). */
const CLIENT_CACHE_MAX = 10000;

@Injectable()
export class ClientsService {
  // Client authentication runs on every token, revocation and introspection call; the client row
  // rarely changes. Kept CLIENT_CACHE_SECONDS; every change made through this service forgets
  // the client at once (the generation stops a load that raced a change from caching the old row).
  private readonly cache = new Map<string, { client: OAuthClient; until: number }>();
  private generation = 0;

  constructor(
    private readonly transactions: Transactions,
    @InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly invalidations: Invalidations,
  ) {
    // a change made on another instance (NOTIFY) forgets the client here too
    invalidations.subscribe((change) => {
      if (change === 'all') {
        this.generation += 1;
        this.cache.clear();
      } else if (change.kind === 'client') {
        this.forget(change.id);
      }
    });
  }

  /** Tells every instance's caches (clients, tokens, handlers' request policies) that the client changed. */
  private announce(tx: EntityManager, clientId: string): Promise<void> {
    return this.invalidations.publish(tx, { kind: 'client', id: clientId });
  }

  /** The client, for authenticating a call: from the cache when fresh. Never use it inside a transaction's reads. */
  async findForAuthentication(clientId: string): Promise<OAuthClient | null> {
    const cached = this.cache.get(clientId);
    if (cached && cached.until > Date.now()) {
      return cached.client;
    }
    const generation = this.generation;
    const client = await this.find(clientId);
    if (client && generation === this.generation && this.config.clientCacheSeconds > 0) {
      if (this.cache.size >= CLIENT_CACHE_MAX) {
        this.cache.clear();
      }
      this.cache.set(clientId, { client, until: Date.now() + this.config.clientCacheSeconds * 1000 });
    }
    return client;
  }

  private forget(clientId: string): void {
    this.generation += 1;
    this.cache.delete(clientId);
  }

  /** `manager`: read inside the caller's transaction (e.g. a handler's callbacks), not on a second connection. */
  async find(clientId: string, manager?: EntityManager): Promise<OAuthClient | null> {
    if (clientId.length > 100) {
      return null;
    }
    return (manager ?? this.clients.manager).getRepository(OAuthClient).findOne({ where: { clientId } });
  }

  async forSmartApp(smartAppId: string): Promise<OAuthClient[]> {
    return this.clients.find({ where: { smartAppId }, order: { createdAt: 'ASC' } });
  }

  /** Creates a client; a confidential one gets a random secret unless one is given (demo seed). */
  async create(input: NewClient, manager?: EntityManager): Promise<{ clientId: string; clientSecret: string | null; webhookSecret: string }> {
    const clientId = input.clientId ?? randomToken(16);
    const clientSecret = input.clientSecret === null ? null : (input.clientSecret ?? randomToken(32));
    const client: OAuthClient = {
      clientId,
      clientSecretHash: clientSecret === null ? null : sha256(clientSecret),
      name: input.name,
      smartAppId: input.smartAppId,
      redirectUris: input.redirectUris,
      grantTypes: input.grantTypes ?? (input.classicCompat ? ['authorization_code'] : ['authorization_code', 'refresh_token']),
      scopes: input.scopes ?? [...SUPPORTED_SCOPES],
      tokenEndpointAuthMethod: clientSecret === null ? 'none' : (input.tokenEndpointAuthMethod ?? 'client_secret_basic'),
      accessTokenTtl: input.accessTokenTtl ?? null,
      refreshTokenTtl: input.refreshTokenTtl ?? null,
      allowPlainPkce: input.allowPlainPkce ?? false,
      classicCompat: input.classicCompat ?? false,
      callbackPrefixes: input.callbackPrefixes ?? [],
      webhookSecret: input.webhookSecret ? asWebhookSecret(input.webhookSecret) : newWebhookSecret(),
      previousWebhookSecret: null,
      previousWebhookSecretUntil: null,
      registrationTokenHash: input.registrationTokenHash ?? null,
      createdAt: new Date(),
    };
    if (manager) {
      await manager.getRepository(OAuthClient).insert(client);
    } else {
      await this.transactions.run((tx) => tx.getRepository(OAuthClient).insert(client));
    }
    return { clientId, clientSecret, webhookSecret: client.webhookSecret ?? '' };
  }

  /** What a SmartApp's author may change on its client (developer API); classic compatibility decides the grant types. */
  async updateSettings(
    clientId: string,
    settings: { name: string; redirectUris: string[]; callbackPrefixes: string[]; classicCompat: boolean; accessTokenTtl?: number | null; refreshTokenTtl?: number | null },
  ): Promise<void> {
    this.forget(clientId);
    await this.transactions.run(async (tx) => {
      await tx.getRepository(OAuthClient).update(
      { clientId },
      {
        name: settings.name,
        redirectUris: settings.redirectUris,
        callbackPrefixes: settings.callbackPrefixes,
        classicCompat: settings.classicCompat,
        grantTypes: settings.classicCompat ? ['authorization_code'] : ['authorization_code', 'refresh_token'],
        ...(settings.accessTokenTtl !== undefined ? { accessTokenTtl: settings.accessTokenTtl } : {}),
        ...(settings.refreshTokenTtl !== undefined ? { refreshTokenTtl: settings.refreshTokenTtl } : {}),
      },
    );
      await this.announce(tx, clientId);
    });
    this.forget(clientId);
  }

  /** A new random secret; the old one stops working at once. The clear value is returned once. */
  async rotateSecret(clientId: string): Promise<string> {
    const secret = randomToken(32);
    this.forget(clientId);
    await this.transactions.run(async (tx) => {
      await tx.getRepository(OAuthClient).update({ clientId }, { clientSecretHash: sha256(secret), tokenEndpointAuthMethod: 'client_secret_basic' });
      await this.announce(tx, clientId);
    });
    this.forget(clientId);
    return secret;
  }

  /**
   * A new webhook secret (`whsec_…`, returned once). For WEBHOOK_SECRET_GRACE_SECONDS the old one
   * keeps signing too, so receivers can switch without losing a callback; a second rotation within
   * that window ends the first old secret at once.
   */
  async rotateWebhookSecret(clientId: string): Promise<{ webhookSecret: string; previousValidUntil: Date | null }> {
    const webhookSecret = newWebhookSecret();
    // read and write in one transaction: two rotations at once cannot both keep the same old secret
    this.forget(clientId);
    return this.transactions.run(async (tx) => {
      const client = await this.find(clientId, tx);
      const previous = client?.webhookSecret ?? null;
      const previousValidUntil = previous && this.config.webhookSecretGraceSeconds > 0 ? new Date(Date.now() + this.config.webhookSecretGraceSeconds * 1000) : null;
      await tx
        .getRepository(OAuthClient)
        .update({ clientId }, { webhookSecret, previousWebhookSecret: previousValidUntil ? previous : null, previousWebhookSecretUntil: previousValidUntil });
      await this.announce(tx, clientId);
      return { webhookSecret, previousValidUntil };
    });
  }

  /** The secrets that sign a callback sent at `now`: the current one, and the previous one during its grace window. */
  signingSecrets(client: OAuthClient, now: Date): string[] {
    const secrets = client.webhookSecret ? [client.webhookSecret] : [];
    if (client.previousWebhookSecret && client.previousWebhookSecretUntil && client.previousWebhookSecretUntil.getTime() > now.getTime()) {
      secrets.push(client.previousWebhookSecret);
    }
    return secrets;
  }

  /** RFC 7592: the client registered with this registration access token, or null. */
  async findByRegistrationToken(clientId: string, token: string): Promise<OAuthClient | null> {
    const client = await this.find(clientId);
    return client?.registrationTokenHash && constantTimeEquals(sha256(token), client.registrationTokenHash) ? client : null;
  }

  /** RFC 7592 update: the registered metadata, replaced as a whole. */
  async replaceMetadata(
    clientId: string,
    metadata: {
      name: string;
      redirectUris: string[];
      grantTypes: string[];
      scopes: string[];
      tokenEndpointAuthMethod: OAuthClient['tokenEndpointAuthMethod'];
      classicCompat: boolean;
    },
  ): Promise<void> {
    this.forget(clientId);
    await this.transactions.run(async (tx) => {
      await tx.getRepository(OAuthClient).update({ clientId }, metadata);
      await this.announce(tx, clientId);
    });
    this.forget(clientId);
  }

  async remove(clientId: string, manager: EntityManager): Promise<void> {
    this.forget(clientId);
    await manager.getRepository(OAuthClient).delete({ clientId });
    await this.announce(manager, clientId);
    this.forget(clientId);
  }

  secretMatches(client: OAuthClient, secret: string): boolean {
    return client.clientSecretHash !== null && constantTimeEquals(sha256(secret), client.clientSecretHash);
  }
}
