import { renderableType, renderedHeaders } from './rendered-reply';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { installationOpenApi, OpenApiJson } from '../openapi/installation-openapi';
import { ContractError } from '../common/api-errors';
import { InstallRateLimit } from '../events/install-rate-limit.service';
import { InstallationRuntime, LoadedInstallation } from '../installations/installation-runtime.service';
import { InstallationsService } from '../installations/installations.service';
import { UninstallService } from '../oauth/uninstall.service';
import { TokenInfo } from '../oauth/token-info';
import type { JsonValue } from '../sandbox/sandbox.types';
import { matchMapping } from '../smartapps/mapping-match';

export interface InstallApiCall {
  method: string;
  installationId: string;
  segments: string[];
  query: Record<string, unknown>;
  body: JsonValue;
  headers: Record<string, string>;
}

export interface InstallApiReply {
  status: number;
  body: JsonValue | undefined;
  headers: Record<string, string>;
  /** ctx.render: sent as is (the headers carry its type) instead of `body` */
  raw?: string;
}

const smartAppException = (status: number, message: string, headers: Record<string, string> = {}) =>
  new ContractError(status, { error: true, type: 'SmartAppException', message }, headers);

@Injectable()
export class InstallApiService {
  constructor(
    private readonly installations: InstallationsService,
    private readonly runtime: InstallationRuntime,
    private readonly uninstaller: UninstallService,
    private readonly rateLimit: InstallRateLimit,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async call(token: TokenInfo, call: InstallApiCall): Promise<InstallApiReply> {
    this.checkOwnInstallation(token, call.installationId);
    // counted once the token is known to be this installation's; every reply from here carries the headers
    const quota = await this.rateLimit.hit(call.installationId);
    if (!quota.allowed) {
      throw new ContractError(429, { error: true, type: 'RateLimit', message: 'Please try again later' }, quota.headers);
    }
    try {
      const reply = await this.dispatch(token, call);
      return { ...reply, headers: { ...reply.headers, ...quota.headers } };
    } catch (err) {
      throw err instanceof ContractError ? new ContractError(err.getStatus(), err.body, { ...err.headers, ...quota.headers }) : err;
    }
  }

  private async dispatch(token: TokenInfo, call: InstallApiCall): Promise<InstallApiReply> {
    // quarantined or out of CPU budget: 429 before any look-up (docs/authoring.md, fair share)
    const refused = this.runtime.refusedNow(call.installationId);
    if (refused) {
      return this.reply(call.method, refused);
    }
    // resolved once for the whole call (from the resolution cache when warm), passed down
    const loaded = await this.resolveOwn(token, call.installationId);
    const { installation, version } = loaded;
    const path = `/${call.segments.join('/')}`;
    const match = matchMapping(version.definition.mappings, call.method, path);
    if (match.kind === 'not_found') {
      throw smartAppException(404, 'Not Found');
    }
    if (match.kind === 'method_not_allowed') {
      throw smartAppException(405, 'Method Not Allowed', { Allow: match.allow.join(', ') });
    }
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.query)) {
      if (typeof v === 'string' && k !== 'access_token') {
        query[k] = v;
      }
    }
    const outcome = await this.runtime.invokeLoaded(loaded, { kind: 'mapping', name: match.handler }, {
      params: { ...query, ...match.params },
      body: call.body,
      headers: call.headers,
    });
    const reply = this.reply(call.method, outcome);
    await this.installations.recordActivity(installation.id, 'api_call', `${call.method} ${path} → ${reply.status}`);
    return reply;
  }

  /** The installation's own API description, from its SmartApp's current mappings (not rate-limited, runs no handler). */
  async openApi(token: TokenInfo, installationId: string): Promise<OpenApiJson> {
    this.checkOwnInstallation(token, installationId);
    const { installation, version } = await this.resolveOwn(token, installationId);
    return installationOpenApi({
      uri: `${this.config.baseUrl}/api/smartapps/installations/${installation.id}`,
      appName: version.definition.name,
      appDescription: version.definition.description,
      mappings: version.definition.mappings,
    });
  }

  async uninstall(token: TokenInfo, installationId: string): Promise<void> {
    this.checkOwnInstallation(token, installationId);
    await this.uninstaller.uninstall(installationId, 'Uninstalled by the external service');
  }

  /** The token's connected installation with everything a handler sees, or 404. */
  private async resolveOwn(token: TokenInfo, installationId: string): Promise<LoadedInstallation> {
    const loaded = await this.runtime.resolve(installationId);
    if (!loaded || loaded.installation.accountId !== token.accountId) {
      throw smartAppException(404, 'Not Found');
    }
    return loaded;
  }

  private checkOwnInstallation(token: TokenInfo, installationId: string): void {
    if (installationId !== token.installationId) {
      throw new ContractError(403, { error: true, type: 'AccessDenied', message: 'This request is not authorized by the specified access token' });
    }
  }

  private reply(method: string, outcome: Awaited<ReturnType<InstallationRuntime['invoke']>>): InstallApiReply {
    switch (outcome.kind) {
      case 'gone':
        return { status: 404, body: { error: true, type: 'SmartAppException', message: 'Not Found' }, headers: {} };
      case 'refused':
        // the sandbox's fairness limits (docs/authoring.md): the contract's RateLimit body, at once
        return {
          status: outcome.reason === 'overloaded' ? 503 : 429,
          body: { error: true, type: 'RateLimit', message: 'Please try again later' },
          headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
        };
      case 'failed':
        return outcome.failure === 'timeout'
          ? { status: 504, body: { error: true, type: 'SmartAppTimeout', message: 'The SmartApp took too long to answer', errorId: outcome.errorId }, headers: {} }
          : { status: 500, body: { error: true, type: 'SmartAppError', message: 'The SmartApp failed', errorId: outcome.errorId }, headers: {} };
      case 'ok': {
        const response = outcome.response;
        switch (response.kind) {
          case 'none':
            return { status: 204, body: undefined, headers: {} };
          case 'value':
            return { status: method === 'POST' ? 201 : 200, body: response.value, headers: {} };
          case 'httpError':
            return { status: response.status, body: { error: true, type: 'SmartAppException', message: response.message }, headers: {} };
          case 'render': {
            const type = renderableType(response.contentType);
            return type
              ? { status: response.status, body: undefined, raw: response.data, headers: renderedHeaders(type) }
              : { status: 500, body: { error: true, type: 'SmartAppError', message: `ctx.render cannot send ${response.contentType.slice(0, 100)}` }, headers: {} };
          }
        }
      }
    }
  }
}
