import { Body, Controller, Get, Inject, NotFoundException, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { AdminAuth } from '../common/access.decorators';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DebugTokensService } from './debug-tokens.service';
import { OAuthError } from './oauth-error';
import { ApiTags } from '@nestjs/swagger';

// The SMART auth-proxy's debug endpoints: for administrators, and off in production unless enabled.
@ApiTags('oauth')
@Controller('oauth/debug')
export class DebugController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly debug: DebugTokensService,
  ) {}

  @AdminAuth()
  @Post('token')
  mint(@Req() req: Request, @Body() body: unknown): Promise<Record<string, unknown>> {
    this.ensureEnabled();
    // JSON only: a cross-site form cannot send it, so a logged-in admin's cookie cannot be abused
    if (!req.is('application/json')) {
      throw new OAuthError('invalid_request', 'Send a JSON body');
    }
    return this.debug.mint(body);
  }

  @AdminAuth()
  @Get('introspect')
  introspect(@Query('access_token') token: unknown): Promise<Record<string, unknown>> {
    this.ensureEnabled();
    if (typeof token !== 'string' || token === '') {
      throw new OAuthError('invalid_request', 'access_token is required');
    }
    return this.debug.describe(token);
  }

  private ensureEnabled(): void {
    if (!this.config.debugEndpoints) {
      throw new NotFoundException('Not found');
    }
  }
}
