import { Controller, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { FlowOutcome, OAuth1FlowService } from './oauth1-flow.service';

// POST /oauth/request_token and /oauth/access_token: signed, answered in form encoding (RFC 5849
// §2.1, §2.3); every refusal is a 403 with the problem named (OAuth Problem Reporting style).
@ApiTags('oauth 1.0a (SMART)')
@Controller('oauth')
export class OAuth1EndpointsController {
  constructor(private readonly flow: OAuth1FlowService) {}

  @Public()
  @Post('request_token')
  async requestToken(@Req() req: Request, @Res() res: Response): Promise<void> {
    reply(res, await this.flow.requestToken(req));
  }

  @Public()
  @Post('access_token')
  async accessToken(@Req() req: Request, @Res() res: Response): Promise<void> {
    reply(res, await this.flow.accessToken(req));
  }
}

function reply(res: Response, outcome: FlowOutcome): void {
  const body = outcome.ok ? outcome.body : { oauth_problem: outcome.problem, oauth_problem_advice: outcome.detail };
  res
    .status(outcome.ok ? 200 : 403)
    .set('Cache-Control', 'no-store')
    .type('application/x-www-form-urlencoded')
    .send(new URLSearchParams(body).toString());
}
