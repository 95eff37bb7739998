import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import { ContractError } from '../common/api-errors';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { InstallationLifecycle } from '../installations/installation-lifecycle.service';
import { TokenInfo } from '../oauth/token-info';
import { OAuth1TokensService } from './oauth1-tokens.service';
import { SignedRequestVerifier } from './signed-request-verifier';

// A request signed with an OAuth 1.0a access token, in place of a bearer token on the endpoints
// service and the installation URL: the same TokenInfo, so everything after the guard is shared.
@Injectable()
export class SignedRestAuthService implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly verifier: SignedRequestVerifier,
    private readonly tokens: OAuth1TokensService,
    private readonly lifecycle: InstallationLifecycle,
  ) {}

  onModuleInit(): void {
    // access tokens end with their installation (uninstall, disconnect, unfinished sweep)
    this.lifecycle.addUninstallHook({ onUninstall: (tx, installationId) => this.tokens.dropInstallation(tx, installationId) });
  }

  async authenticate(req: Request): Promise<TokenInfo> {
    const checked = await this.verifier.verify(req, 'access');
    const info = checked.ok && checked.token ? await this.tokens.tokenInfo(checked.token) : null;
    if (!info) {
      const description = checked.ok ? 'The access token is invalid or its installation is gone' : `${checked.reason}: ${checked.detail}`;
      throw new ContractError(401, { error: 'invalid_token', error_description: description }, { 'WWW-Authenticate': `OAuth realm="${this.config.baseUrl}"` });
    }
    return info;
  }
}
