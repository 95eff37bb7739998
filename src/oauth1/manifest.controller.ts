import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access.decorators';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export interface ContainerManifest {
  version: string;
  name: string;
  api_base: string;
  launch_urls: { request_token_url: string; authorize_token_url: string; exchange_token_url: string };
}

// The SMART container manifest: where an app finds the API and the OAuth 1.0a endpoints.
@ApiTags('oauth 1.0a (SMART)')
@Controller('api/manifest')
export class ManifestController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Public()
  @Get()
  manifest(): ContainerManifest {
    const base = this.config.baseUrl.replace(/\/$/, '');
    return {
      version: '1.0',
      name: 'SmartApp Platform',
      api_base: `${base}/api`,
      launch_urls: {
        request_token_url: `${base}/oauth/request_token`,
        authorize_token_url: `${base}/oauth/authorize`,
        exchange_token_url: `${base}/oauth/access_token`,
      },
    };
  }
}
