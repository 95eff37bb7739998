import { Injectable } from '@nestjs/common';
import type { AccountSummary } from '../accounts/accounts.service';
import { ClientsService } from '../oauth/clients.service';
import { redirectUriProblem } from '../oauth/redirect-uri';
import type { ValidationIssue } from '../smartapps/definition-validator';
import { SmartAppsService } from '../smartapps/smartapps.service';
import { callbackPrefixProblem } from './callback-prefix';
import { DeveloperError } from './developer.errors';
import { DeveloperSmartAppsService } from './developer-smartapps.service';

export interface OAuthSettings {
  redirectUris: string[];
  clientName?: string;
  callbackPrefixes?: string[];
  classicCompat?: boolean;
  /** seconds; undefined keeps the current value, null goes back to the platform default */
  accessTokenTtl?: number | null;
  refreshTokenTtl?: number | null;
}

/** Secrets appear only in the reply that created them. */
export interface OAuthReply {
  client_id: string;
  client_secret?: string;
  webhook_secret?: string;
}

// A SmartApp's OAuth client: enabling it (client id, secret and webhook secret shown once), its
// settings, and rotating its secret. The developer API manages the SmartApp's first client; others
// may exist (the demo seed's, or registered clients).
@Injectable()
export class SmartAppOAuthService {
  constructor(
    private readonly owned: DeveloperSmartAppsService,
    private readonly smartApps: SmartAppsService,
    private readonly clients: ClientsService,
  ) {}

  async configure(developer: AccountSummary, smartAppId: string, settings: OAuthSettings): Promise<OAuthReply> {
    const app = await this.owned.mustOwn(developer, smartAppId);
    const issues: ValidationIssue[] = [];
    if (settings.redirectUris.length === 0) {
      issues.push({ path: 'redirect_uris', message: 'redirect_uris needs at least one URL' });
    }
    // exact strings: redirect URIs are compared character for character at /oauth/authorize
    settings.redirectUris.forEach((uri, i) => {
      const problem = uri.trim() === '' ? 'a redirect URI must not be empty' : uri !== uri.trim() ? `${JSON.stringify(uri)} has surrounding spaces` : redirectUriProblem(uri);
      if (problem) {
        issues.push({ path: `redirect_uris[${i}]`, message: problem });
      }
    });
    (settings.callbackPrefixes ?? []).forEach((prefix, i) => {
      const problem = callbackPrefixProblem(prefix);
      if (problem) {
        issues.push({ path: `callback_prefixes[${i}]`, message: problem });
      }
    });
    const redirectUris = [...new Set(settings.redirectUris)];
    const callbackPrefixes = [...new Set(settings.callbackPrefixes ?? [])];
    if (issues.length > 0) {
      throw new DeveloperError('invalid_oauth_settings', issues.map((i) => i.message).join('; '), issues);
    }
    const [existing] = await this.clients.forSmartApp(app.id);
    const latest = await this.smartApps.latestVersion(app.id);
    const name = settings.clientName?.trim() || existing?.name || latest?.definition.oauth?.displayName || app.name;
    if (existing) {
      await this.clients.updateSettings(existing.clientId, {
        name,
        redirectUris,
        callbackPrefixes: settings.callbackPrefixes === undefined ? existing.callbackPrefixes : callbackPrefixes,
        classicCompat: settings.classicCompat ?? existing.classicCompat,
        accessTokenTtl: settings.accessTokenTtl === undefined ? existing.accessTokenTtl : settings.accessTokenTtl,
        refreshTokenTtl: settings.refreshTokenTtl === undefined ? existing.refreshTokenTtl : settings.refreshTokenTtl,
      });
      return { client_id: existing.clientId };
    }
    const created = await this.clients.create({
      name,
      smartAppId: app.id,
      redirectUris,
      callbackPrefixes,
      classicCompat: settings.classicCompat ?? false,
      accessTokenTtl: settings.accessTokenTtl ?? null,
      refreshTokenTtl: settings.refreshTokenTtl ?? null,
    });
    return { client_id: created.clientId, client_secret: created.clientSecret ?? undefined, webhook_secret: created.webhookSecret };
  }

  async rotateSecret(developer: AccountSummary, smartAppId: string): Promise<{ client_secret: string }> {
    const app = await this.owned.mustOwn(developer, smartAppId);
    const [client] = await this.clients.forSmartApp(app.id);
    if (!client) {
      throw new DeveloperError('oauth_not_enabled', 'OAuth is not enabled for this SmartApp: PUT /api/developer/smartapps/:id/oauth first');
    }
    return { client_secret: await this.clients.rotateSecret(client.clientId) };
  }

  /** A new webhook secret; the old one keeps signing callbacks too for WEBHOOK_SECRET_GRACE_SECONDS. */
  async rotateWebhookSecret(developer: AccountSummary, smartAppId: string): Promise<{ webhook_secret: string; previous_secret_valid_until: string | null }> {
    const app = await this.owned.mustOwn(developer, smartAppId);
    const [client] = await this.clients.forSmartApp(app.id);
    if (!client) {
      throw new DeveloperError('oauth_not_enabled', 'OAuth is not enabled for this SmartApp: PUT /api/developer/smartapps/:id/oauth first');
    }
    const rotated = await this.clients.rotateWebhookSecret(client.clientId);
    return { webhook_secret: rotated.webhookSecret, previous_secret_valid_until: rotated.previousValidUntil?.toISOString() ?? null };
  }
}
