import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { constantTimeEquals } from '../common/secrets';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { NonceStore, TIMESTAMP_WINDOW_SECONDS } from './nonce-store';
import { Consumer, OAuth1ConsumersService } from './oauth1-consumers.service';
import { OAuth1Token } from './oauth1-token.entity';
import { OAuth1TokensService } from './oauth1-tokens.service';
import { baseStringUri, hmacSha1, Param, pairsOf, parseAuthorizationHeader, signatureBaseString } from './signature';

export type VerifyFailure = 'signature_mismatch' | 'timestamp' | 'nonce_reused' | 'unknown_consumer' | 'unknown_token' | 'bad_request';

export type Verified = { ok: true; consumer: Consumer; token: OAuth1Token | null; params: Map<string, string>; baseString: string };
export type Refused = { ok: false; reason: VerifyFailure; detail: string; baseString: string | null; consumerKey: string | null };

/** Which token the request must carry: none (request_token), a request or an access token, or either (debugger). */
export type TokenExpectation = 'none' | 'request' | 'access' | 'any';

const PROTOCOL = ['oauth_consumer_key', 'oauth_token', 'oauth_signature_method', 'oauth_signature', 'oauth_timestamp', 'oauth_nonce', 'oauth_version', 'oauth_callback', 'oauth_verifier'];

/** True when a request carries OAuth 1.0a parameters (header or query), to tell it from a bearer/OAuth2 one. */
export function looksSigned(req: Request): boolean {
  return /^OAuth\s/i.test(req.headers.authorization ?? '') || typeof (req.query as Record<string, unknown>).oauth_signature === 'string';
}

// RFC 5849 §3.2: verifies a signed request. The URL in the base string is BASE_URL's (a proxy in
// front may change scheme, host or port); the parameters are the Authorization header's, the query
// string's and a form body's (§3.4.1.3.1).
@Injectable()
export class SignedRequestVerifier {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consumers: OAuth1ConsumersService,
    private readonly tokens: OAuth1TokensService,
    private readonly nonces: NonceStore,
  ) {}

  /** `useNonce: false` only checks whether the nonce was used (the debugger must not spend it). */
  async verify(req: Request, expect: TokenExpectation, useNonce = true): Promise<Verified | Refused> {
    const refuse = (reason: VerifyFailure, detail: string, baseString: string | null = null, consumerKey: string | null = null): Refused => ({ ok: false, reason, detail, baseString, consumerKey });
    const all = this.parameters(req);
    if (!all) {
      return refuse('bad_request', 'The Authorization header is not a valid OAuth header');
    }
    const params = new Map<string, string>();
    for (const [name, value] of all) {
      if (PROTOCOL.includes(name)) {
        if (params.has(name)) {
          return refuse('bad_request', `${name} is given more than once`);
        }
        params.set(name, value);
      } else if (name === 'smart_record_id') {
        params.set(name, value);
      }
    }
    const consumerKey = params.get('oauth_consumer_key') ?? null;
    const baseString = signatureBaseString(req.method, this.baseUri(req), all);
    const missing = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_signature', 'oauth_timestamp', 'oauth_nonce'].filter((n) => !params.has(n));
    if (missing.length > 0) {
      return refuse('bad_request', `Missing ${missing.join(', ')}`, baseString, consumerKey);
    }
    if (params.get('oauth_signature_method') !== 'HMAC-SHA1') {
      return refuse('bad_request', 'oauth_signature_method must be HMAC-SHA1', baseString, consumerKey);
    }
    if (params.has('oauth_version') && params.get('oauth_version') !== '1.0') {
      return refuse('bad_request', 'oauth_version must be 1.0', baseString, consumerKey);
    }
    const consumer = await this.consumers.find(consumerKey ?? '');
    if (!consumer) {
      return refuse('unknown_consumer', 'Unknown consumer key', baseString, consumerKey);
    }
    const tokenValue = params.get('oauth_token');
    let token: OAuth1Token | null = null;
    if (expect === 'none' ? tokenValue !== undefined : expect !== 'any' && tokenValue === undefined) {
      return refuse('unknown_token', expect === 'none' ? 'No oauth_token is expected here' : 'oauth_token is required', baseString, consumerKey);
    }
    if (tokenValue !== undefined) {
      token = await this.tokens.find(tokenValue);
      if (!token || token.clientId !== consumer.client.clientId || (expect !== 'any' && token.kind !== expect) || !this.tokens.isLive(token)) {
        return refuse('unknown_token', 'The token is unknown, expired, used or of another consumer', baseString, consumerKey);
      }
    }
    const timestamp = Number(params.get('oauth_timestamp'));
    if (!/^\d{1,12}$/.test(params.get('oauth_timestamp') ?? '') || Math.abs(Date.now() / 1000 - timestamp) > TIMESTAMP_WINDOW_SECONDS) {
      return refuse('timestamp', `oauth_timestamp must be within ${TIMESTAMP_WINDOW_SECONDS} seconds of the server's clock`, baseString, consumerKey);
    }
    const nonce = params.get('oauth_nonce') ?? '';
    if (nonce === '' || nonce.length > 100) {
      return refuse('bad_request', 'oauth_nonce must be 1 to 100 characters', baseString, consumerKey);
    }
    const tokenSecret = token ? this.tokens.secretOf(token) : '';
    const expected = tokenSecret === null ? null : hmacSha1(baseString, consumer.secret, tokenSecret);
    if (expected === null || !constantTimeEquals(expected, params.get('oauth_signature') ?? '')) {
      return refuse('signature_mismatch', 'The signature does not match the base string', baseString, consumerKey);
    }
    // only a correctly signed request spends a nonce: nobody else can use up a consumer's nonces
    const fresh = useNonce ? await this.nonces.use(consumer.client.clientId, nonce, timestamp) : !(await this.nonces.wasUsed(consumer.client.clientId, nonce, timestamp));
    if (!fresh) {
      return refuse('nonce_reused', 'This nonce was already used with this timestamp', baseString, consumerKey);
    }
    return { ok: true, consumer, token, params, baseString };
  }

  private baseUri(req: Request): string {
    const path = req.originalUrl.split('?')[0];
    return baseStringUri(new URL(this.config.baseUrl.replace(/\/$/, '') + path));
  }

  private parameters(req: Request): Param[] | null {
    const header = req.headers.authorization;
    const fromHeader = header !== undefined && /^OAuth\s/i.test(header) ? parseAuthorizationHeader(header) : [];
    if (!fromHeader) {
      return null;
    }
    const query = req.originalUrl.includes('?') ? [...new URLSearchParams(req.originalUrl.slice(req.originalUrl.indexOf('?') + 1))] : [];
    const form = req.is('application/x-www-form-urlencoded') ? pairsOf(req.body) : [];
    return [...fromHeader, ...query, ...form];
  }
}
