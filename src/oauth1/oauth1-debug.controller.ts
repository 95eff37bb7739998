import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { DebugRateLimiter } from './debug-rate-limiter';
import { looksSigned, SignedRequestVerifier } from './signed-request-verifier';

export interface SignatureReport {
  verified: boolean;
  reason: string | null;
  base_string: string | null;
}

// /oauth/debug itself (the OAuth2 debug endpoints are /oauth/debug/token and /introspect): sign a
// request to this URL and learn whether it verified, why not, and the base string the server built.
// Never the expected signature or a secret, and the nonce is not spent: it is no signing oracle.
@ApiTags('oauth 1.0a (SMART)')
@Controller('oauth/debug')
export class OAuth1DebugController {
  private readonly limiter = new DebugRateLimiter();

  constructor(private readonly verifier: SignedRequestVerifier) {}

  @Public()
  @Get()
  debugGet(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.debug(req, res);
  }

  @Public()
  @Post()
  async debug(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.set('Cache-Control', 'no-store');
    if (!looksSigned(req)) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Send an OAuth 1.0a-signed request (Authorization: OAuth …) to this URL' });
      return;
    }
    const checked = await this.verifier.verify(req, 'any', false);
    const key = checked.ok ? checked.consumer.client.clientId : (checked.consumerKey ?? `address:${req.ip}`);
    const wait = this.limiter.take(key);
    if (wait > 0) {
      res.status(429).set('Retry-After', String(wait)).json({ error: 'slow_down', error_description: 'Too many debug requests for this consumer' });
      return;
    }
    const report: SignatureReport = checked.ok
      ? { verified: true, reason: null, base_string: checked.baseString }
      : { verified: false, reason: checked.reason, base_string: checked.baseString };
    res.status(200).json(report);
  }
}
