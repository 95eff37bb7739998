import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { ClientAuthenticator } from './client-authenticator';
import { formParameters } from './client-authentication';
import { OAuthError } from './oauth-error';
import { TokensService } from './tokens.service';
import { IntrospectionEndpoint } from './introspection.endpoint';
import { ApiTags } from '@nestjs/swagger';

// RFC 7009 revocation and RFC 7662 introspection: both for an authenticated client's own tokens.
@ApiTags('oauth')
@Controller('oauth')
export class TokenManagementController {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly tokens: TokensService,
    private readonly introspection: IntrospectionEndpoint,
  ) {}

  @Public()
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Req() req: Request, @Res() res: Response): Promise<void> {
    const params = formParameters(req);
    const client = await this.authenticator.authenticate(req, params);
    if (!params.token) {
      throw new OAuthError('invalid_request', 'token is required');
    }
    await this.tokens.revoke(client, params.token, params.token_type_hint);
    // RFC 7009 needs no body, but JSON clients (simple-oauth2 5) fail on an empty, untyped one
    res.set('Cache-Control', 'no-store').status(200).json({});
  }

  @Public()
  @Post('introspect')
  @HttpCode(200)
  async introspect(@Req() req: Request, @Res() res: Response): Promise<void> {
    // answered by IntrospectionEndpoint as a middleware before it gets here; the route documents it
    await this.introspection.use(req, res);
  }
}
