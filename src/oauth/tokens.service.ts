import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { randomToken, sha256 } from '../common/secrets';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { InstallationsService } from '../installations/installations.service';
import { Invalidations } from '../invalidation/invalidations.service';
import { AccessToken } from './access-token.entity';
import { AuthorizationCode } from './authorization-code.entity';
import { OAuthClient } from './oauth-client.entity';
import { OAuthError } from './oauth-error';
import { isWellFormedPkceValue, pkceMatches } from './pkce';
import { RefreshToken } from './refresh-token.entity';
import { ResolvedToken, TokenCache } from './token-cache';
import { TokenInfo } from './token-info';

/** SmartThings classic's "never expires" (about 50 years). */
export const CLASSIC_EXPIRES_IN = 1576799999;

export interface IntrospectionReply {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: 'bearer' | 'refresh_token';
  exp?: number;
  iat?: number;
  sub?: string;
  iss?: string;
  installation_id?: string;
  location_id?: string;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number;
  scope: string;
  installationId: string;
}

@Injectable()
export class TokensService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly installations: InstallationsService,
    @InjectRepository(AccessToken) private readonly accessTokens: Repository<AccessToken>,
    @InjectRepository(AuthorizationCode) private readonly codes: Repository<AuthorizationCode>,
    private readonly cache: TokenCache,
    private readonly invalidations: Invalidations,
  ) {}

  /** A single-use code, ≥ 128 bits (here 256), living at most AUTHORIZATION_CODE_TTL seconds. */
  async issueCode(
    manager: EntityManager,
    input: {
      clientId: string;
      installationId: string;
      accountId: string;
      redirectUri: string;
      scope: string;
      codeChallenge: string | null;
      codeChallengeMethod: 'S256' | 'plain' | null;
    },
  ): Promise<string> {
    const code = randomToken(32);
    const now = new Date();
    await manager.getRepository(AuthorizationCode).insert({
      codeHash: sha256(code),
      ...input,
      expiresAt: new Date(now.getTime() + this.config.authorizationCodeTtlSeconds * 1000),
      consumedAt: null,
      createdAt: now,
    });
    return code;
  }

  async exchangeCode(client: OAuthClient, code: string, redirectUri: string | undefined, codeVerifier: string | undefined): Promise<IssuedTokens> {
    const codeHash = sha256(code);
    return this.committingErrors(async (tx) => {
      const row = await tx.getRepository(AuthorizationCode).findOne({ where: { codeHash } });
      if (!row) {
        throw new OAuthError('invalid_grant', 'The authorization code is invalid');
      }
      // Atomic: of two concurrent redemptions exactly one sees consumed_at IS NULL.
      const consumed = await tx
        .createQueryBuilder()
        .update(AuthorizationCode)
        .set({ consumedAt: new Date() })
        .where('code_hash = :codeHash AND consumed_at IS NULL', { codeHash })
        .execute();
      if (!consumed.affected) {
        await this.revokeIssuedFromCode(tx, codeHash, row.installationId);
        throw new OAuthError('invalid_grant', 'The authorization code has already been used');
      }
      if (row.expiresAt.getTime() <= Date.now()) {
        throw new OAuthError('invalid_grant', 'The authorization code has expired');
      }
      if (row.clientId !== client.clientId) {
        throw new OAuthError('invalid_grant', 'The authorization code was issued to another client');
      }
      if (redirectUri !== row.redirectUri) {
        throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
      }
      this.checkPkce(row, codeVerifier);
      // pending → connected: the client now holds tokens for it
      if (!(await this.installations.connect(tx, row.installationId))) {
        throw new OAuthError('invalid_grant', 'The installation no longer exists');
      }
      return this.issueTokens(tx, client, { installationId: row.installationId, accountId: row.accountId, scope: row.scope, codeHash, family: null });
    });
  }

  /**
   * The refresh grant (RFC 6749 §6, rotation per RFC 9700 §4.14.2). Everything that can refuse is
   * read first, outside any transaction; the change is one short transaction of four statements:
   * rotate (conditional, so of two concurrent refreshes exactly one wins), end the previous access
   * tokens of the family, insert the new pair. last_used_at is written after the commit.
   */
  async refresh(client: OAuthClient, refreshToken: string, requestedScope: string[] | undefined): Promise<IssuedTokens> {
    const tokenHash = sha256(refreshToken);
    const row = await this.transactions.read((m) => m.getRepository(RefreshToken).findOne({ where: { tokenHash } }));
    if (!row || row.clientId !== client.clientId) {
      throw new OAuthError('invalid_grant', 'The refresh token is invalid');
    }
    if (row.revokedAt) {
      throw new OAuthError('invalid_grant', 'The refresh token has been revoked');
    }
    const replayed = new OAuthError('invalid_grant', 'The refresh token has already been used; its grant is revoked');
    if (row.rotatedAt) {
      // a replayed rotated token means it leaked; end the whole family
      await this.transactions.run((tx) => this.revokeFamily(tx, row.family));
      throw replayed;
    }
    if (row.expiresAt.getTime() <= Date.now()) {
      throw new OAuthError('invalid_grant', 'The refresh token has expired');
    }
    const granted = row.scope.split(' ');
    if (requestedScope && requestedScope.some((s) => !granted.includes(s))) {
      throw new OAuthError('invalid_scope', 'A refresh can only keep or narrow the scope');
    }
    if (!(await this.installations.findActive(row.installationId))) {
      throw new OAuthError('invalid_grant', 'The installation no longer exists');
    }
    const scope = (requestedScope ?? granted).join(' ');
    const issued = await this.transactions.run(async (tx) => {
      const now = new Date();
      const rotated = await tx
        .createQueryBuilder()
        .update(RefreshToken)
        .set({ rotatedAt: now })
        .where('token_hash = :tokenHash AND rotated_at IS NULL AND revoked_at IS NULL', { tokenHash })
        .execute();
      if (!rotated.affected) {
        // rotated or revoked since the read: a concurrent use of the same token
        await this.revokeFamily(tx, row.family);
        return null;
      }
      // the access tokens of the previous link of the chain end with it
      await tx.getRepository(AccessToken).update({ family: row.family, revokedAt: IsNull() }, { revokedAt: now });
      await this.invalidations.publish(tx, { kind: 'family', id: row.family });
      return this.insertTokens(tx, client, { installationId: row.installationId, accountId: row.accountId, scope, codeHash: row.codeHash, family: row.family });
    });
    if (!issued) {
      throw replayed;
    }
    await this.installations.touch(row.installationId);
    return issued;
  }

  /** The bearer token's grant, or null when unknown, expired, revoked or its installation is gone. */
  async authenticate(token: string): Promise<TokenInfo | null> {
    if (token.length < 16 || token.length > 200) {
      return null;
    }
    const tokenHash = sha256(token);
    return this.cache.resolve(tokenHash, () => this.loadAccessToken(tokenHash));
  }

  /** An access token that works now, with its installation's location: two reads, none when cached. */
  private async loadAccessToken(tokenHash: string): Promise<ResolvedToken | null> {
    const row = await this.accessTokens.findOne({ where: { tokenHash } });
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) {
      return null;
    }
    const installation = await this.installations.findActive(row.installationId);
    if (!installation) {
      return null;
    }
    return {
      info: { clientId: row.clientId, installationId: row.installationId, accountId: row.accountId, scope: row.scope.split(' ') },
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
      family: row.family,
      issuedAt: row.createdAt.getTime(),
      locationId: installation.locationId,
    };
  }

  /**
   * RFC 7009: revokes an access or refresh token of this client (a refresh token takes its whole
   * family along). Another client's token, or an unknown one, is left alone without saying so.
   */
  async revoke(client: OAuthClient, token: string, hint: string | undefined): Promise<void> {
    const tokenHash = sha256(token);
    await this.transactions.run(async (tx) => {
      const lookRefreshFirst = hint === 'refresh_token';
      const refresh = async (): Promise<boolean> => {
        const row = await tx.getRepository(RefreshToken).findOne({ where: { tokenHash } });
        if (!row || row.clientId !== client.clientId) {
          return false;
        }
        await this.revokeFamily(tx, row.family);
        return true;
      };
      const access = async (): Promise<boolean> => {
        const row = await tx.getRepository(AccessToken).findOne({ where: { tokenHash } });
        if (!row || row.clientId !== client.clientId) {
          return false;
        }
        await tx.getRepository(AccessToken).update({ tokenHash, revokedAt: IsNull() }, { revokedAt: new Date() });
        await this.invalidations.publish(tx, { kind: 'token', id: tokenHash });
        return true;
      };
      const [first, second] = lookRefreshFirst ? [refresh, access] : [access, refresh];
      if (!(await first())) {
        await second();
      }
    });
  }

  /**
   * RFC 7662, for the token's own client only; anything else is simply inactive. An access token
   * that works is answered from the token cache (no statement when warm); a refresh token, or an
   * access token that does not work, is read from the database.
   */
  async introspect(client: OAuthClient, token: string): Promise<IntrospectionReply> {
    const inactive: IntrospectionReply = { active: false };
    const tokenHash = sha256(token);
    const access = token.length > 200 ? null : await this.cache.lookup(tokenHash, () => this.loadAccessToken(tokenHash));
    if (access) {
      if (access.info.clientId !== client.clientId) {
        return inactive;
      }
      return this.introspection(access.info, 'bearer', access.expiresAt, access.issuedAt, access.locationId);
    }
    // not a working access token (same hash in both tables is not a case: 256-bit random tokens)
    const refresh = await this.accessTokens.manager.getRepository(RefreshToken).findOne({ where: { tokenHash } });
    if (!refresh || refresh.clientId !== client.clientId || refresh.revokedAt || refresh.rotatedAt || refresh.expiresAt.getTime() <= Date.now()) {
      return inactive;
    }
    const installation = await this.installations.findActive(refresh.installationId);
    if (!installation) {
      return inactive;
    }
    const info: TokenInfo = { clientId: refresh.clientId, installationId: refresh.installationId, accountId: refresh.accountId, scope: refresh.scope.split(' ') };
    return this.introspection(info, 'refresh_token', refresh.expiresAt.getTime(), refresh.createdAt.getTime(), installation.locationId);
  }

  private introspection(info: TokenInfo, type: 'bearer' | 'refresh_token', expiresAt: number | null, issuedAt: number, locationId: string): IntrospectionReply {
    return {
      active: true,
      scope: info.scope.join(' '),
      client_id: info.clientId,
      token_type: type,
      ...(expiresAt !== null ? { exp: Math.floor(expiresAt / 1000) } : {}),
      iat: Math.floor(issuedAt / 1000),
      sub: info.accountId,
      iss: this.config.baseUrl,
      installation_id: info.installationId,
      location_id: locationId,
    };
  }

  /** True while the installation's client holds a token that still works (access, or refresh to get one). */
  async hasLiveToken(installationId: string): Promise<boolean> {
    const now = new Date();
    const access = await this.accessTokens
      .createQueryBuilder('t')
      .where('t.installation_id = :installationId AND t.revoked_at IS NULL', { installationId })
      .andWhere('(t.expires_at IS NULL OR t.expires_at > :now)', { now })
      .getCount();
    if (access > 0) {
      return true;
    }
    const refresh = await this.accessTokens.manager
      .getRepository(RefreshToken)
      .createQueryBuilder('r')
      .where('r.installation_id = :installationId AND r.revoked_at IS NULL AND r.rotated_at IS NULL AND r.expires_at > :now', { installationId, now })
      .getCount();
    return refresh > 0;
  }

  /** Ends every token and pending code of a client (its registration was deleted). */
  async revokeClient(manager: EntityManager, clientId: string): Promise<void> {
    const now = new Date();
    await manager.getRepository(AccessToken).update({ clientId, revokedAt: IsNull() }, { revokedAt: now });
    await manager.getRepository(RefreshToken).update({ clientId, revokedAt: IsNull() }, { revokedAt: now });
    await manager.getRepository(AuthorizationCode).update({ clientId, consumedAt: IsNull() }, { consumedAt: now });
    await this.invalidations.publish(manager, { kind: 'client', id: clientId });
  }

  /** Ends every token of an installation at once (uninstall, disconnect). */
  async revokeInstallation(manager: EntityManager, installationId: string): Promise<void> {
    const now = new Date();
    await manager.getRepository(AccessToken).update({ installationId, revokedAt: IsNull() }, { revokedAt: now });
    await manager.getRepository(RefreshToken).update({ installationId, revokedAt: IsNull() }, { revokedAt: now });
    await manager.getRepository(AuthorizationCode).update({ installationId, consumedAt: IsNull() }, { consumedAt: now });
    await this.invalidations.publish(manager, { kind: 'installation', id: installationId });
  }

  async issueTokens(
    tx: EntityManager,
    client: OAuthClient,
    grant: { installationId: string; accountId: string; scope: string; codeHash: string | null; family: string | null },
  ): Promise<IssuedTokens> {
    const issued = await this.insertTokens(tx, client, grant);
    await this.installations.touch(grant.installationId, tx);
    return issued;
  }

  /** The new access token, and a refresh token when the grant has one: one INSERT each. */
  private async insertTokens(
    tx: EntityManager,
    client: OAuthClient,
    grant: { installationId: string; accountId: string; scope: string; codeHash: string | null; family: string | null },
  ): Promise<IssuedTokens> {
    const now = new Date();
    const accessToken = randomToken(32);
    const classic = client.classicCompat;
    const ttl = classic ? CLASSIC_EXPIRES_IN : (client.accessTokenTtl ?? this.config.accessTokenTtlSeconds);
    // a confidential client always gets one; a public client when it asked for offline_access
    const confidential = client.clientSecretHash !== null;
    const wantsRefresh = !classic && (confidential || grant.scope.split(' ').includes('offline_access')) && client.grantTypes.includes('refresh_token');
    const family = wantsRefresh ? (grant.family ?? randomUUID()) : null;
    await tx.getRepository(AccessToken).insert({
      tokenHash: sha256(accessToken),
      clientId: client.clientId,
      installationId: grant.installationId,
      accountId: grant.accountId,
      scope: grant.scope,
      expiresAt: classic ? null : new Date(now.getTime() + ttl * 1000),
      revokedAt: null,
      codeHash: grant.codeHash,
      family,
      createdAt: now,
    });
    let refreshToken: string | null = null;
    if (family) {
      refreshToken = randomToken(32);
      await tx.getRepository(RefreshToken).insert({
        tokenHash: sha256(refreshToken),
        clientId: client.clientId,
        installationId: grant.installationId,
        accountId: grant.accountId,
        scope: grant.scope,
        family,
        codeHash: grant.codeHash,
        // sliding: every rotation starts a new full lifetime
        expiresAt: new Date(now.getTime() + (client.refreshTokenTtl ?? this.config.refreshTokenTtlSeconds) * 1000),
        rotatedAt: null,
        revokedAt: null,
        createdAt: now,
      });
    }
    return { accessToken, refreshToken, expiresIn: ttl, scope: grant.scope, installationId: grant.installationId };
  }

  // What a failed exchange changed (a consumed code, a revoked family) must be committed, not rolled back
  // with the error: the work returns its OAuthError and it is thrown after the commit.
  private async committingErrors<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const outcome = await this.transactions.run(async (tx): Promise<{ value: T } | { error: OAuthError }> => {
      try {
        return { value: await work(tx) };
      } catch (err) {
        if (err instanceof OAuthError) {
          return { error: err };
        }
        throw err;
      }
    });
    if ('error' in outcome) {
      throw outcome.error;
    }
    return outcome.value;
  }

  private checkPkce(row: AuthorizationCode, verifier: string | undefined): void {
    if (!row.codeChallenge || !row.codeChallengeMethod) {
      if (verifier !== undefined) {
        // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade attempt
        throw new OAuthError('invalid_grant', 'code_verifier was sent but the authorization request had no code_challenge');
      }
      return;
    }
    if (verifier === undefined) {
      throw new OAuthError('invalid_grant', 'code_verifier is required');
    }
    if (!isWellFormedPkceValue(verifier) || !pkceMatches(row.codeChallengeMethod, row.codeChallenge, verifier)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
    }
  }

  private async revokeIssuedFromCode(tx: EntityManager, codeHash: string, installationId: string): Promise<void> {
    const now = new Date();
    await tx.getRepository(AccessToken).update({ codeHash, revokedAt: IsNull() }, { revokedAt: now });
    await tx.getRepository(RefreshToken).update({ codeHash, revokedAt: IsNull() }, { revokedAt: now });
    // the cache knows tokens by installation, not by code: forgetting the installation's covers them
    await this.invalidations.publish(tx, { kind: 'installation', id: installationId });
  }

  private async revokeFamily(tx: EntityManager, family: string): Promise<void> {
    const now = new Date();
    await tx.getRepository(RefreshToken).update({ family, revokedAt: IsNull() }, { revokedAt: now });
    await tx.getRepository(AccessToken).update({ family, revokedAt: IsNull() }, { revokedAt: now });
    await this.invalidations.publish(tx, { kind: 'family', id: family });
  }
}
