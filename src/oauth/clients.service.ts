import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { constantTimeEquals, randomToken, sha256 } from '../common/secrets';
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
}

@Injectable()
export class ClientsService {
  constructor(@InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>) {}

  async find(clientId: string): Promise<OAuthClient | null> {
    if (clientId.length > 100) {
      return null;
    }
    return this.clients.findOne({ where: { clientId } });
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
      grantTypes: input.classicCompat ? ['authorization_code'] : ['authorization_code', 'refresh_token'],
      scopes: [...SUPPORTED_SCOPES],
      tokenEndpointAuthMethod: clientSecret === null ? 'none' : 'client_secret_basic',
      accessTokenTtl: null,
      refreshTokenTtl: null,
      allowPlainPkce: input.allowPlainPkce ?? false,
      classicCompat: input.classicCompat ?? false,
      callbackPrefixes: input.callbackPrefixes ?? [],
      webhookSecret: input.webhookSecret ?? randomToken(32),
      createdAt: new Date(),
    };
    await (manager ?? this.clients.manager).getRepository(OAuthClient).insert(client);
    return { clientId, clientSecret, webhookSecret: client.webhookSecret ?? '' };
  }

  secretMatches(client: OAuthClient, secret: string): boolean {
    return client.clientSecretHash !== null && constantTimeEquals(sha256(secret), client.clientSecretHash);
  }
}
