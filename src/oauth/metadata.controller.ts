import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '../common/access.decorators';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SUPPORTED_SCOPES } from './clients.service';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('oauth')
@Controller('.well-known')
export class MetadataController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** RFC 8414 authorization server metadata. */
  @Public()
  @Get('oauth-authorization-server')
  metadata(): Record<string, unknown> {
    const base = this.config.baseUrl;
    return {
      issuer: base,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      registration_endpoint: `${base}/oauth/register`,
      scopes_supported: [...SUPPORTED_SCOPES],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256', 'plain'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      authorization_response_iss_parameter_supported: true,
    };
  }
}
