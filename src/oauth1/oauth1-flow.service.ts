import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { LocationsService } from '../locations/locations.service';
import { SignedRequestVerifier, VerifyFailure } from './signed-request-verifier';
import { OAuth1TokensService } from './oauth1-tokens.service';

export type FlowProblem = VerifyFailure | 'callback_rejected' | 'unknown_record' | 'verifier_invalid';
export type FlowOutcome = { ok: true; body: Record<string, string> } | { ok: false; problem: FlowProblem; detail: string };

// RFC 5849 §2.1 and §2.3: the temporary-credentials and token-credentials endpoints.
@Injectable()
export class OAuth1FlowService {
  constructor(
    private readonly verifier: SignedRequestVerifier,
    private readonly tokens: OAuth1TokensService,
    private readonly locations: LocationsService,
  ) {}

  async requestToken(req: Request): Promise<FlowOutcome> {
    const checked = await this.verifier.verify(req, 'none');
    if (!checked.ok) {
      return { ok: false, problem: checked.reason, detail: checked.detail };
    }
    const registered = checked.consumer.consumer.callbackUrl;
    const callback = checked.params.get('oauth_callback');
    if (callback !== 'oob' && callback !== registered) {
      return { ok: false, problem: 'callback_rejected', detail: 'oauth_callback must be "oob" or exactly the registered callback URL' };
    }
    const recordId = checked.params.get('smart_record_id') ?? '';
    if (recordId === '' || recordId.length > 36 || !(await this.locations.findById(recordId))) {
      return { ok: false, problem: 'unknown_record', detail: 'smart_record_id must name an existing record (location)' };
    }
    const pair = await this.tokens.issueRequestToken(checked.consumer.client.clientId, recordId, registered);
    return { ok: true, body: { oauth_token: pair.token, oauth_token_secret: pair.secret, oauth_callback_confirmed: 'true' } };
  }

  async accessToken(req: Request): Promise<FlowOutcome> {
    const checked = await this.verifier.verify(req, 'request');
    if (!checked.ok) {
      return { ok: false, problem: checked.reason, detail: checked.detail };
    }
    const verifier = checked.params.get('oauth_verifier') ?? '';
    const issued = checked.token ? await this.tokens.exchange(checked.token, verifier) : null;
    if (!issued) {
      return { ok: false, problem: 'verifier_invalid', detail: 'The verifier is wrong, or the request was denied or not yet authorized; the request token is spent' };
    }
    return { ok: true, body: { oauth_token: issued.token, oauth_token_secret: issued.secret, record_id: issued.recordId, user_id: issued.accountId } };
  }
}
