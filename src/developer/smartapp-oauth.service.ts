import { Injectable } from '@nestjs/common';
import type { AccountSummary } from '../accounts/accounts.service';
import { ClientsService } from '../oauth/clients.service';
import { OAuth1ConsumersService, OAuth1Urls } from '../oauth1/oauth1-consumers.service';
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
  /** SMART OAuth 1.0a (docs/smart.md) */
  oauth1?: OAuth1Urls;
}

/** Secrets appear only in the reply that created them. */
export interface OAuthReply {
  client_id: string;
  client_secret?: string;
  webhook_secret?: string;
  /** OAuth 1.0a: the client id and, when a secret is in this reply, the same secret */
  consumer_key?: string;
  consumer_secret?: string;
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
    private readonly oauth1: OAuth1ConsumersService,
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
    const oauth1 = settings.oauth1;
    if (oauth1) {
      for (const [path, uri] of [['oauth1.callback_url', oauth1.callbackUrl], ['oauth1.index_url', oauth1.indexUrl]] as const) {
        const problem = uri !== uri.trim() || uri === '' ? `${path} must be an absolute URL without surrounding spaces` : redirectUriProblem(uri);
        if (problem) {
          issues.push({ path, message: problem });
        }
      }
      if (!this.oauth1.enabled) {
        issues.push({ path: 'oauth1', message: 'OAuth 1.0a is not configured on this platform (OAUTH1_SECRET_KEY)' });
      }
    }
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
      return this.withOAuth1({ client_id: existing.clientId }, null, oauth1);
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
    return this.withOAuth1({ client_id: created.clientId, client_secret: created.clientSecret ?? undefined, webhook_secret: created.webhookSecret }, created.clientSecret, oauth1);
  }

  /** Enables OAuth 1.0a when asked; a client enabling it late gets a new secret (only its hash was kept). */
  private async withOAuth1(reply: OAuthReply, clientSecret: string | null, urls: OAuth1Urls | undefined): Promise<OAuthReply> {
    if (!urls) {
      return reply;
    }
    const { newSecret } = await this.oauth1.enable(reply.client_id, clientSecret, urls);
    const secret = newSecret ?? reply.client_secret;
    return { ...reply, ...(newSecret ? { client_secret: newSecret } : {}), consumer_key: reply.client_id, ...(secret ? { consumer_secret: secret } : {}) };
  }

  async rotateSecret(developer: AccountSummary, smartAppId: string): Promise<{ client_secret: string; consumer_key?: string; consumer_secret?: string }> {
    const app = await this.owned.mustOwn(developer, smartAppId);
    const [client] = await this.clients.forSmartApp(app.id);
    if (!client) {
      throw new DeveloperError('oauth_not_enabled', 'OAuth is not enabled for this SmartApp: PUT /api/developer/smartapps/:id/oauth first');
    }
    const secret = await this.clients.rotateSecret(client.clientId);
    // the consumer secret is the client secret: an OAuth 1.0a app gets it under that name too
    const smart = await this.oauth1.urlsOf(client.clientId);
    await this.oauth1.secretRotated(client.clientId, secret);
    return smart ? { client_secret: secret, consumer_key: client.clientId, consumer_secret: secret } : { client_secret: secret };
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
