import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { OAuthError } from './oauth-error';
import { TokenEndpoint } from './token-endpoint';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('oauth')
@Controller('oauth')
export class TokenController {
  constructor(private readonly endpoint: TokenEndpoint) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  async token(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.endpoint.handle(req, res);
  }

  /** SmartThings classic allowed a GET with the parameters in the query string: classic clients only. */
  @Public()
  @Get('token')
  async tokenByGet(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (Object.keys(req.query).length === 0) {
      throw new OAuthError('invalid_request', 'The token endpoint takes POST with application/x-www-form-urlencoded parameters');
    }
    await this.endpoint.handle(req, res);
  }
}
