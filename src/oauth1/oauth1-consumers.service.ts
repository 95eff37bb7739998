import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { ClientsService } from '../oauth/clients.service';
import { OAuthClient } from '../oauth/oauth-client.entity';
import { OAuth1Consumer } from './oauth1-consumer.entity';
import { SecretBox } from './secret-box';

export interface OAuth1Urls {
  callbackUrl: string;
  indexUrl: string;
}

export interface Consumer {
  client: OAuthClient;
  consumer: OAuth1Consumer;
  secret: string;
}

export class OAuth1DisabledError extends Error {
  constructor() {
    super('OAuth 1.0a is not configured on this platform (OAUTH1_SECRET_KEY)');
  }
}

// The OAuth 1.0a side of an OAuth client: its callback and index URLs and its sealed secret.
@Injectable()
export class OAuth1ConsumersService {
  readonly box: SecretBox | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly transactions: Transactions,
    @InjectRepository(OAuth1Consumer) private readonly consumers: Repository<OAuth1Consumer>,
    private readonly clients: ClientsService,
  ) {
    this.box = config.oauth1SecretKeys.length > 0 ? new SecretBox(config.oauth1SecretKeys) : null;
  }

  get enabled(): boolean {
    return this.box !== null;
  }

  /**
   * Turns OAuth 1.0a on (or updates its URLs). `clientSecret`: the clear secret when the client was
   * just created. A client that had no OAuth 1.0a yet only has the secret's hash, so it gets a new
   * secret (returned once, like any rotation).
   */
  async enable(clientId: string, clientSecret: string | null, urls: OAuth1Urls): Promise<{ newSecret: string | null }> {
    const box = this.mustBox();
    const existing = await this.consumers.findOne({ where: { clientId } });
    let secret = clientSecret;
    if (!secret && !existing) {
      secret = await this.clients.rotateSecret(clientId);
    }
    const row: OAuth1Consumer = {
      clientId,
      callbackUrl: urls.callbackUrl,
      indexUrl: urls.indexUrl,
      secretSealed: secret ? box.seal(secret) : (existing?.secretSealed ?? ''),
      createdAt: existing?.createdAt ?? new Date(),
    };
    await this.transactions.run((tx) => tx.getRepository(OAuth1Consumer).save(row));
    return { newSecret: clientSecret ? null : secret };
  }

  /** After the client secret was rotated: the consumer secret is the same secret. */
  async secretRotated(clientId: string, secret: string): Promise<void> {
    if (!this.box) {
      return;
    }
    const sealed = this.box.seal(secret);
    await this.transactions.run((tx) => tx.getRepository(OAuth1Consumer).update({ clientId }, { secretSealed: sealed }));
  }

  async urlsOf(clientId: string): Promise<OAuth1Urls | null> {
    const row = await this.consumers.findOne({ where: { clientId } });
    return row ? { callbackUrl: row.callbackUrl, indexUrl: row.indexUrl } : null;
  }

  /** The consumer with its secret in clear, or null (unknown, not enabled, or sealed with a retired key). */
  async find(consumerKey: string): Promise<Consumer | null> {
    if (!this.box || consumerKey.length > 100) {
      return null;
    }
    const consumer = await this.consumers.findOne({ where: { clientId: consumerKey } });
    const client = consumer ? await this.clients.findForAuthentication(consumerKey) : null;
    const secret = consumer && client ? this.box.open(consumer.secretSealed) : null;
    if (!consumer || !client || secret === null) {
      return null;
    }
    if (this.box.isStale(consumer.secretSealed)) {
      // sealed with an old key (OAUTH1_OLD_SECRET_KEYS): re-seal with the current one
      await this.secretRotated(consumer.clientId, secret);
    }
    return { client, consumer, secret };
  }

  private mustBox(): SecretBox {
    if (!this.box) {
      throw new OAuth1DisabledError();
    }
    return this.box;
  }
}
