import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { sha256 } from '../common/secrets';
import { Transactions } from '../database/transactions';
import { InstallationsService } from '../installations/installations.service';
import { AccessToken } from './access-token.entity';
import { ClientsService } from './clients.service';
import { OAuthError } from './oauth-error';
import { TokensService } from './tokens.service';

function str(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

@Injectable()
export class DebugTokensService {
  constructor(
    private readonly transactions: Transactions,
    private readonly clients: ClientsService,
    private readonly tokens: TokensService,
    private readonly installations: InstallationsService,
    @InjectRepository(AccessToken) private readonly accessTokens: Repository<AccessToken>,
  ) {}

  /** Mints a token for an existing installation of the client: {client_id, installation_id, scope?, expires_in?}. */
  async mint(raw: unknown): Promise<Record<string, unknown>> {
    const body = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const clientId = str(body, 'client_id');
    const installationId = str(body, 'installation_id');
    const client = clientId ? await this.clients.find(clientId) : null;
    if (!client) {
      throw new OAuthError('invalid_request', 'client_id must name a registered client');
    }
    const installation = installationId ? await this.installations.findActive(installationId) : null;
    if (!installation || installation.clientId !== client.clientId) {
      throw new OAuthError('invalid_request', 'installation_id must name an active installation of that client');
    }
    const scope = str(body, 'scope') ?? (Array.isArray(body.scopes) ? body.scopes.filter((s) => typeof s === 'string').join(' ') : 'app');
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? Math.min(body.expires_in, 365 * 24 * 3600) : undefined;
    const issued = await this.transactions.run((tx) =>
      this.tokens.issueTokens(tx, { ...client, accessTokenTtl: expiresIn ?? client.accessTokenTtl, grantTypes: ['authorization_code'] }, {
        installationId: installation.id,
        accountId: installation.accountId,
        scope,
        codeHash: null,
        family: null,
      }),
    );
    return { access_token: issued.accessToken, token_type: 'bearer', expires_in: issued.expiresIn, scope: issued.scope, installation_id: issued.installationId };
  }

  /** The SMART auth-proxy's debug introspection shape, plus the installation. */
  async describe(token: string): Promise<Record<string, unknown>> {
    const row = await this.accessTokens.findOne({ where: { tokenHash: sha256(token) } });
    if (!row) {
      throw new OAuthError('invalid_request', 'Unknown access token');
    }
    return {
      access_token: token,
      expires: row.expiresAt ? row.expiresAt.toISOString() : null,
      refresh_token: null,
      scopes: row.scope.split(' '),
      token_type: 'bearer',
      approval_expires: null,
      security_labels: [],
      revoked: row.revokedAt !== null,
      client_id: row.clientId,
      installation_id: row.installationId,
    };
  }
}
