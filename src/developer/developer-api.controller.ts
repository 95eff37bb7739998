import { Body, Controller, Get, Header, HttpCode, Param, Post, Put, Query, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { AccountSummary } from '../accounts/accounts.service';
import { DeveloperAuth } from '../common/access.decorators';
import { DeveloperApiErrorFilter } from './developer.errors';
import { developerValidation } from './developer-validation.pipe';
import { DeveloperSmartAppsService } from './developer-smartapps.service';
import { LogsQueryDto } from './dto/logs-query.dto';
import { OAuthSettingsDto } from './dto/oauth-settings.dto';
import { PublishSmartAppDto } from './dto/publish-smartapp.dto';
import { SmartAppOAuthService } from './smartapp-oauth.service';
import { ApiTags } from '@nestjs/swagger';

function developerOf(req: Request): AccountSummary {
  // the access guard sets it on every @DeveloperAuth route or refuses the request
  return req.developer!;
}

// The developer API (CONTRACT §6): a developer token as bearer, JSON in and out.
@DeveloperAuth()
@UseFilters(DeveloperApiErrorFilter)
@ApiTags('developer API')
@Controller('api/developer/smartapps')
export class DeveloperApiController {
  constructor(
    private readonly smartApps: DeveloperSmartAppsService,
    private readonly oauth: SmartAppOAuthService,
  ) {}

  @Get()
  list(@Req() req: Request) {
    return this.smartApps.list(developerOf(req));
  }

  @Post()
  publish(@Req() req: Request, @Body(developerValidation('invalid_smartapp')) body: PublishSmartAppDto) {
    return this.smartApps.publish(developerOf(req), body.source);
  }

  @Post(':id/versions')
  publishVersion(@Req() req: Request, @Param('id') id: string, @Body(developerValidation('invalid_smartapp')) body: PublishSmartAppDto) {
    return this.smartApps.publishVersion(developerOf(req), id, body.source);
  }

  @Get(':id')
  async show(@Req() req: Request, @Param('id') id: string) {
    const app = await this.smartApps.detail(developerOf(req), id);
    return {
      id: app.id,
      namespace: app.namespace,
      name: app.name,
      versions: app.versions,
      installations: app.installations,
      oauth: { enabled: app.oauth.enabled, clientId: app.oauth.clientId, redirectUris: app.oauth.redirectUris },
    };
  }

  @Put(':id/oauth')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  configureOAuth(@Req() req: Request, @Param('id') id: string, @Body(developerValidation('invalid_oauth_settings')) body: OAuthSettingsDto) {
    return this.oauth.configure(developerOf(req), id, {
      redirectUris: body.redirect_uris,
      clientName: body.client_name,
      callbackPrefixes: body.callback_prefixes,
      classicCompat: body.classic_compat,
      accessTokenTtl: body.access_token_ttl,
      refreshTokenTtl: body.refresh_token_ttl,
      oauth1: body.oauth1 ? { callbackUrl: body.oauth1.callback_url, indexUrl: body.oauth1.index_url } : undefined,
    });
  }

  @Post(':id/oauth/rotate-secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  rotateSecret(@Req() req: Request, @Param('id') id: string) {
    return this.oauth.rotateSecret(developerOf(req), id);
  }

  @Post(':id/oauth/rotate-webhook-secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  rotateWebhookSecret(@Req() req: Request, @Param('id') id: string) {
    return this.oauth.rotateWebhookSecret(developerOf(req), id);
  }

  @Get(':id/usage')
  usage(@Req() req: Request, @Param('id') id: string) {
    return this.smartApps.usage(developerOf(req), id);
  }

  @Get(':id/logs')
  async logs(@Req() req: Request, @Param('id') id: string, @Query(developerValidation('invalid_logs_query')) query: LogsQueryDto) {
    const lines = await this.smartApps.logs(developerOf(req), id, {
      installationId: query.installation,
      since: query.since ? new Date(query.since) : undefined,
      limit: query.limit ? Number(query.limit) : undefined,
    });
    return lines.map((l) => ({ at: l.at.toISOString(), installationId: l.installationId, level: l.level, message: l.message }));
  }
}
