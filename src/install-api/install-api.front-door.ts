import { Injectable } from '@nestjs/common';
import type { FrontDoorRoute } from '../common/front-door';
import { BearerAuthService } from '../oauth/bearer-auth.service';
import { installApiCallOf, sendInstallApiReply } from './install-api.http';
import { InstallApiService } from './install-api.service';

// the install URL's GET in its plainest form: no escapes, no empty segment, not the openapi.json route
const PLAIN_GET = /^\/api\/smartapps\/installations\/([A-Za-z0-9-]{1,100})\/([A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*\/?)(?:\?|$)/;
const BEARER = /^Bearer\s/i;

/**
 * The front door's route for the install URL (src/common/front-door.ts): a GET with a bearer token
 * in the Authorization header, on a plain path, skips Express's router and Nest's guard; it is
 * authenticated as the guard does for `@BearerAuth()` and answered by the controller's own code.
 * Everything else (an OAuth 1.0a signature, `?access_token=`, escapes, other methods) goes through
 * Express to InstallApiController.
 */
@Injectable()
export class InstallApiFrontDoor {
  constructor(
    private readonly api: InstallApiService,
    private readonly bearer: BearerAuthService,
  ) {}

  readonly route: FrontDoorRoute = {
    route: '/api/smartapps/installations/:installationId/*path',
    takes: (req) => {
      if (req.method !== 'GET' || !BEARER.test(req.headers.authorization ?? '') || req.url === undefined || req.url.includes('oauth_')) {
        return false;
      }
      const match = PLAIN_GET.exec(req.url);
      return match !== null && !/^openapi\.json\/?$/.test(match[2]);
    },
    handle: async (req, res) => {
      const [, installationId, rest] = PLAIN_GET.exec(req.url) ?? [];
      req.bearer = await this.bearer.authenticate(req);
      sendInstallApiReply(res, await this.api.call(req.bearer, installApiCallOf(req, installationId, rest.split('/'))));
    },
  };
}
