import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Invalidation } from '../invalidation/invalidation';
import { Invalidations } from '../invalidation/invalidations.service';
import { LruCache } from '../invalidation/lru-cache';
import type { LocationView } from '../locations/locations.service';
import type { VersionView } from '../smartapps/smartapps.service';
import type { Installation } from './installation.entity';
import type { GrantView } from './installations.service';

/** What a handler call needs besides the installation row and the devices' current state. */
export interface InstallationContext {
  version: VersionView;
  location: LocationView;
  /** the location's mode names (ctx.location.modes) */
  modes: string[];
  grants: GrantView[];
}

interface Entry extends InstallationContext {
  smartAppId: string;
  locationId: string;
  /** the row's updated_at when loaded: a reconfigure changes it, so another instance sees it on its next call */
  updatedAt: number;
}

/**
 * Per installation: the SmartApp version it runs, its location and its grants, so a warm call reads
 * only the installation row (status, settings, state) and the granted devices (current state).
 * Dropped on reconfigure, uninstall, publish of a new version, location change or deletion and
 * device deletion, on any instance (docs/performance.md, "Resolution cache").
 */
@Injectable()
export class InstallationContextCache {
  private readonly cache: LruCache<Entry>;
  /** the latest version per SmartApp, shared by its installations' entries (a version holds the whole source) */
  private readonly versions: LruCache<VersionView>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly invalidations: Invalidations,
  ) {
    this.cache = new LruCache(config.resolutionCache.maxEntries, config.resolutionCache.maxAgeSeconds * 1000);
    this.versions = new LruCache(Math.min(config.resolutionCache.maxEntries, 1000), config.resolutionCache.maxAgeSeconds * 1000);
    invalidations.subscribe((change) => this.forget(change));
  }

  /** The context of this (freshly read) installation row, from memory when it still matches, else from `load`. */
  async resolve(installation: Installation, load: () => Promise<InstallationContext | null>): Promise<InstallationContext | null> {
    const trusted = this.invalidations.trusted;
    const hit = trusted ? this.cache.get(installation.id) : undefined;
    const updatedAt = installation.updatedAt.getTime();
    if (hit && hit.smartAppId === installation.smartAppId && hit.locationId === installation.locationId && hit.updatedAt === updatedAt) {
      return hit;
    }
    const generation = this.cache.generation;
    const loaded = await load();
    if (loaded && trusted && this.invalidations.trusted) {
      this.cache.set(installation.id, { ...loaded, smartAppId: installation.smartAppId, locationId: installation.locationId, updatedAt }, generation);
    }
    return loaded;
  }

  /** The SmartApp's newest published version, from memory when known (dropped when a new one is published). */
  async latestVersion(smartAppId: string, load: () => Promise<VersionView | null>): Promise<VersionView | null> {
    const trusted = this.invalidations.trusted;
    const hit = trusted ? this.versions.get(smartAppId) : undefined;
    if (hit) {
      return hit;
    }
    const generation = this.versions.generation;
    const loaded = await load();
    if (loaded && trusted && this.invalidations.trusted) {
      this.versions.set(smartAppId, loaded, generation);
    }
    return loaded;
  }

  private forget(change: Invalidation | 'all'): void {
    if (change === 'all') {
      this.cache.clear();
      this.versions.clear();
      return;
    }
    switch (change.kind) {
      case 'installation':
        this.cache.delete(change.id);
        return;
      case 'smartapp':
        this.cache.deleteWhere((c) => c.smartAppId === change.id);
        this.versions.delete(change.id);
        return;
      case 'location':
        this.cache.deleteWhere((c) => c.locationId === change.id);
        return;
      case 'token':
      case 'family':
      case 'client':
        return;
    }
  }
}
