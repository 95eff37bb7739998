import { Injectable } from '@nestjs/common';
import { AccountsService, AccountSummary } from '../accounts/accounts.service';
import { PageError } from '../common/api-errors';
import type { AppLogEntry } from '../installations/app-logs.service';
import { DeveloperError } from './developer.errors';
import { DeveloperSmartAppsService, SmartAppDetail, SmartAppSummary } from './developer-smartapps.service';
import { DeveloperTokensService, DeveloperTokenView, isDeveloper } from './developer-tokens.service';
import { OAuthReply, SmartAppOAuthService } from './smartapp-oauth.service';

export type FormOutcome<T> = { ok: true; value: T } | { ok: false; message: string; details: { path: string; message: string }[] };

const NOT_A_DEVELOPER = new PageError(403, 'Developers only', 'This page is for developer accounts. Open the developer console to become a developer.');
const APP_NOT_FOUND = new PageError(404, 'SmartApp not found', 'There is no SmartApp with this address among yours.');

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

// What the developer console pages show and do, on top of the same services as the developer API.
@Injectable()
export class DeveloperConsoleService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: DeveloperTokensService,
    private readonly smartApps: DeveloperSmartAppsService,
    private readonly oauth: SmartAppOAuthService,
  ) {}

  isDeveloper(account: AccountSummary): boolean {
    return isDeveloper(account);
  }

  /** SmartThings classic let every account open the IDE: here any account may become a developer. */
  async enroll(account: AccountSummary): Promise<void> {
    if (!isDeveloper(account)) {
      await this.accounts.setRole(account.id, 'developer');
    }
  }

  async overview(account: AccountSummary): Promise<{ apps: SmartAppSummary[]; tokens: DeveloperTokenView[] }> {
    this.mustBeDeveloper(account);
    return { apps: await this.smartApps.list(account), tokens: await this.tokens.listFor(account.id) };
  }

  async createToken(account: AccountSummary, name: string): Promise<{ token: string; view: DeveloperTokenView }> {
    this.mustBeDeveloper(account);
    return this.tokens.create(account, name.slice(0, 100));
  }

  async revokeToken(account: AccountSummary, tokenId: string): Promise<void> {
    this.mustBeDeveloper(account);
    if (!(await this.tokens.revoke(account.id, tokenId))) {
      throw new PageError(404, 'Token not found', 'There is no token with this address among yours.');
    }
  }

  async publish(account: AccountSummary, source: string): Promise<FormOutcome<{ id: string }>> {
    this.mustBeDeveloper(account);
    return this.attempt(async () => ({ id: (await this.smartApps.publish(account, source)).id }));
  }

  async publishVersion(account: AccountSummary, smartAppId: string, source: string): Promise<FormOutcome<{ version: number }>> {
    this.mustBeDeveloper(account);
    return this.attempt(async () => ({ version: (await this.smartApps.publishVersion(account, smartAppId, source)).version }));
  }

  async detail(account: AccountSummary, smartAppId: string): Promise<SmartAppDetail> {
    this.mustBeDeveloper(account);
    const outcome = await this.attempt(() => this.smartApps.detail(account, smartAppId));
    if (!outcome.ok) {
      throw APP_NOT_FOUND;
    }
    return outcome.value;
  }

  /** The form's redirect URIs and callback prefixes are one URL per line. */
  async configureOAuth(
    account: AccountSummary,
    smartAppId: string,
    form: { redirectUris: string; clientName: string; callbackPrefixes: string; classicCompat: boolean },
  ): Promise<FormOutcome<OAuthReply>> {
    this.mustBeDeveloper(account);
    return this.attempt(() =>
      this.oauth.configure(account, smartAppId, {
        redirectUris: lines(form.redirectUris),
        clientName: form.clientName.trim() || undefined,
        callbackPrefixes: lines(form.callbackPrefixes),
        classicCompat: form.classicCompat,
      }),
    );
  }

  async rotateSecret(account: AccountSummary, smartAppId: string): Promise<FormOutcome<{ client_secret: string; consumer_key?: string; consumer_secret?: string }>> {
    this.mustBeDeveloper(account);
    return this.attempt(() => this.oauth.rotateSecret(account, smartAppId));
  }

  async logs(account: AccountSummary, smartAppId: string, installationId: string | undefined): Promise<{ app: SmartAppDetail; lines: AppLogEntry[] }> {
    const app = await this.detail(account, smartAppId);
    const valid = installationId && /^[0-9a-f-]{36}$/i.test(installationId) ? installationId : undefined;
    return { app, lines: (await this.smartApps.logs(account, smartAppId, { installationId: valid, limit: 500 })).reverse() };
  }

  /** A 403 page for accounts that are not developers. */
  mustBeDeveloper(account: AccountSummary): void {
    if (!isDeveloper(account)) {
      throw NOT_A_DEVELOPER;
    }
  }

  private async attempt<T>(work: () => Promise<T>): Promise<FormOutcome<T>> {
    try {
      return { ok: true, value: await work() };
    } catch (err) {
      if (!(err instanceof DeveloperError)) {
        throw err;
      }
      if (err.code === 'smartapp_not_found') {
        throw APP_NOT_FOUND;
      }
      return { ok: false, message: err.message, details: err.details };
    }
  }
}
