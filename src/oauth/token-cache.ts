import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Invalidation } from '../invalidation/invalidation';
import { Invalidations } from '../invalidation/invalidations.service';
import { LruCache } from '../invalidation/lru-cache';
import { TokenInfo } from './token-info';

export interface ResolvedToken {
  info: TokenInfo;
  /** ms since the epoch; null: never expires */
  expiresAt: number | null;
  family: string | null;
  /** ms since the epoch: the token's `iat` for introspection */
  issuedAt: number;
  /** the installation's location (it never moves): introspection's `location_id` */
  locationId: string;
}

/**
 * Access tokens that worked, by hash, so a warm bearer call or introspection reads nothing. An entry is dropped on
 * revocation (of the token, its family, its client or its installation: uninstall) on any
 * instance, and is never used past the token's expiry (docs/performance.md, "Resolution cache").
 */
@Injectable()
export class TokenCache {
  private readonly cache: LruCache<ResolvedToken>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly invalidations: Invalidations,
  ) {
    this.cache = new LruCache(config.resolutionCache.maxEntries, config.resolutionCache.maxAgeSeconds * 1000);
    invalidations.subscribe((change) => this.forget(change));
  }

  /** The token's grant from memory, or from `load` (which returns only a token that works now). */
  async resolve(tokenHash: string, load: () => Promise<ResolvedToken | null>): Promise<TokenInfo | null> {
    const resolved = await this.lookup(tokenHash, load);
    return resolved ? resolved.info : null;
  }

  /** Like `resolve`, with what introspection tells besides the grant; a copy the caller may keep. */
  async lookup(tokenHash: string, load: () => Promise<ResolvedToken | null>): Promise<ResolvedToken | null> {
    const trusted = this.invalidations.trusted;
    const hit = trusted ? this.cache.get(tokenHash) : undefined;
    if (hit) {
      if (hit.expiresAt !== null && hit.expiresAt <= Date.now()) {
        this.cache.delete(tokenHash);
        return null;
      }
      return copy(hit);
    }
    const generation = this.cache.generation;
    const loaded = await load();
    if (!loaded) {
      return null;
    }
    if (trusted && this.invalidations.trusted) {
      this.cache.set(tokenHash, loaded, generation);
    }
    return copy(loaded);
  }

  private forget(change: Invalidation | 'all'): void {
    if (change === 'all') {
      this.cache.clear();
      return;
    }
    switch (change.kind) {
      case 'token':
        this.cache.delete(change.id);
        return;
      case 'family':
        this.cache.deleteWhere((t) => t.family === change.id);
        return;
      case 'client':
        this.cache.deleteWhere((t) => t.info.clientId === change.id);
        return;
      case 'installation':
        this.cache.deleteWhere((t) => t.info.installationId === change.id);
        return;
      case 'smartapp':
      case 'location':
        return;
    }
  }
}

function copy(resolved: ResolvedToken): ResolvedToken {
  return { ...resolved, info: { ...resolved.info, scope: [...resolved.info.scope] } };
}
