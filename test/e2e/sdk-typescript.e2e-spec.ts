import {
  BearerToken,
  CallbackError,
  InstallationClient,
  InstallationError,
  OAuthError,
  PlatformError,
  PlatformSession,
  RateLimitError,
  SmartAppClient,
  TokenSet,
  WebhookVerificationError,
  WebhookVerifier,
} from '../../clients/typescript/src';
import { Webhook } from 'standardwebhooks';
import { callbackHeaders } from '../../src/events/callback-signature';
import { asWebhookSecret } from '../../src/common/webhook-secret';
import { Agent, DEMO_CLIENT, decide, openPreferencesAt, optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { DEMO_USER, loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

// The TypeScript SDK against the real platform listening on a port: connect, refresh, endpoints,
// installation calls and the typed errors of the contract's bodies.

describe('the TypeScript SDK against the platform', () => {
  let t: TestApp;
  let user: Agent;
  let client: SmartAppClient;

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ PORT: String(port), BASE_URL: `http://localhost:${port}`, RATE_LIMIT_CALLS: '12' });
    await t.app.listen(port);
    user = await loggedIn(t.http, DEMO_USER);
    client = new SmartAppClient({ platformUrl: t.config.baseUrl, clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, redirectUri: DEMO_CLIENT.redirectUri });
  });
  afterAll(async () => {
    await t.close();
  });

  /** The person's side: the consent pages for the SDK's authorization URL; returns the redirect. */
  const consent = async (url: string, location: string, device: string, decision: 'allow' | 'deny' = 'allow'): Promise<string> => {
    const page = await openPreferencesAt(user, url, location);
    const decided = await decide(user, page, decision, decision === 'allow' ? { switches: optionValue(page, device) } : {}).expect(303);
    return decided.headers.location;
  };
  const connectTo = async (location = 'Home', device = 'Kitchen Light'): Promise<TokenSet> => {
    const { url, pending } = client.authorizationRequest();
    return client.handleCallback(await consent(url, location, device), pending);
  };

  it('builds the authorization request with PKCE S256 and state, and exchanges the callback’s code', async () => {
    const { url, pending } = client.authorizationRequest();
    const q = new URL(url).searchParams;
    expect(url.startsWith(`${t.config.baseUrl}/oauth/authorize?`)).toBe(true);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('state')).toBe(pending.state);
    expect(q.get('code_challenge')).not.toBe(pending.codeVerifier);
    const tokens = await client.handleCallback(await consent(url, 'Home', 'Kitchen Light'), pending);
    expect(tokens.accessToken).toMatch(/\S{20,}/);
    expect(tokens.refreshToken).toMatch(/\S{20,}/);
    expect(tokens.scope).toContain('offline_access');
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses a callback whose state is not the pending one, and turns Deny into access_denied', async () => {
    const { url, pending } = client.authorizationRequest();
    const redirect = await consent(url, 'Home', 'Kitchen Light', 'deny');
    await expect(client.handleCallback(redirect, { ...pending, state: 'another' })).rejects.toBeInstanceOf(CallbackError);
    await expect(client.handleCallback(redirect, null)).rejects.toBeInstanceOf(CallbackError);
    const denied = await client.handleCallback(redirect, pending).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OAuthError);
    expect((denied as OAuthError).error).toBe('access_denied');
  });

  it('answers a reused code with OAuthError invalid_grant (RFC 6749 §5.2)', async () => {
    const { url, pending } = client.authorizationRequest();
    const code = new URL(await consent(url, 'Home', 'Kitchen Light')).searchParams.get('code')!;
    await client.exchangeCode(code, pending.codeVerifier);
    const again = await client.exchangeCode(code, pending.codeVerifier).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(OAuthError);
    expect(again).toMatchObject({ status: 400, error: 'invalid_grant' });
    const wrongSecret = new SmartAppClient({ ...client.options, clientSecret: 'not-the-secret' });
    await expect(wrongSecret.refresh('whatever')).rejects.toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it('discovers the endpoints and calls the installation URL', async () => {
    const session = new PlatformSession(client, await connectTo());
    const [endpoint] = await session.endpoints();
    expect(endpoint.location.name).toBe('Home');
    expect(endpoint.uri).toBe(`${t.config.baseUrl}/api/smartapps/installations/${session.tokens.installationId}`);
    const installation = await session.installation();
    const switches = await installation.get<{ id: string; name: string; value: string }[]>('/switches');
    expect(switches.map((s) => s.name)).toEqual(['Kitchen Light']);
    const turned = await installation.put<{ name: string; value: string }>(`/switches/${switches[0].id}/on`);
    expect(turned).toMatchObject({ name: 'Kitchen Light', value: 'on' });
    expect((await installation.openapi()).openapi).toMatch(/^3\./);
  });

  it('refreshes once for many concurrent calls when the token expired, and the refresh token rotates', async () => {
    const first = await connectTo();
    const seen: TokenSet[] = [];
    const session = new PlatformSession(client, { ...first, expiresAt: new Date(Date.now() - 1000) }, { onTokens: (tokens) => void seen.push(tokens) });
    const installation = await session.installation(`${t.config.baseUrl}/api/smartapps/installations/${first.installationId}`);
    const replies = await Promise.all(Array.from({ length: 5 }, () => installation.get<unknown[]>('/switches')));
    expect(replies.every((r) => r.length === 1)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(session.tokens.refreshToken).not.toBe(first.refreshToken);
    expect(session.tokens.accessToken).not.toBe(first.accessToken);
    // the spent refresh token is refused (and presenting it ends the family, so it is never sent twice)
    await expect(client.refresh(first.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('retries a call once after a refresh when the access token is refused with 401', async () => {
    const tokens = await connectTo();
    const seen: TokenSet[] = [];
    const session = new PlatformSession(client, { ...tokens, accessToken: 'revoked-or-unknown' }, { onTokens: (next) => void seen.push(next) });
    const installation = await session.installation(`${t.config.baseUrl}/api/smartapps/installations/${tokens.installationId}`);
    expect(await installation.get<unknown[]>('/switches')).toHaveLength(1);
    expect(seen).toHaveLength(1);
    // without a refresh token the 401 is the caller's: OAuthError invalid_token
    const bare = new PlatformSession(client, { ...tokens, accessToken: 'nope', refreshToken: null });
    const refused = await (await bare.installation(installation.uri)).get('/switches').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OAuthError);
    expect(refused).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('types the installation URL’s bodies: 404 SmartAppException, 403 AccessDenied, 429 RateLimit with when to retry', async () => {
    const home = new PlatformSession(client, await connectTo());
    const cabin = new PlatformSession(client, await connectTo('Cabin', 'Cabin Light'));
    const homeUrl = (await home.installation()).uri;
    const missing = await (await home.installation()).get('/nothing-here').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InstallationError);
    expect(missing).toMatchObject({ status: 404, type: 'SmartAppException' });
    const foreign = await (await cabin.installation(homeUrl)).get('/switches').catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(InstallationError);
    expect(foreign).toMatchObject({ status: 403, type: 'AccessDenied' });
    const installation = await cabin.installation();
    let limited: unknown = null;
    for (let i = 0; i < 20 && limited === null; i++) {
      limited = await installation.get('/switches').then(
        () => null,
        (e: unknown) => e,
      );
    }
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterSeconds).toBeGreaterThan(0);
    expect((limited as PlatformError).body).toMatchObject({ error: true, type: 'RateLimit' });
  });

  it('uninstalls through the installation URL; the tokens stop working, the refresh token too', async () => {
    const tokens = await connectTo('Home', 'Kitchen Light');
    const session = new PlatformSession(client, tokens);
    const installation = await session.installation();
    await installation.uninstall();
    const after = await session.endpoints().catch((e: unknown) => e);
    expect(after).toBeInstanceOf(OAuthError);
    expect(after).toMatchObject({ status: 401, error: 'invalid_token' });
    await expect(client.refresh(tokens.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const fixed = await new InstallationClient(installation.uri, new BearerToken(tokens.accessToken)).get('/switches').catch((e: unknown) => e);
    expect(fixed).toMatchObject({ status: 401, error: 'invalid_token' });
  });
});

describe('the TypeScript SDK’s webhook verification (Standard Webhooks)', () => {
  const secret = 'whsec_' + Buffer.from('sdk-webhook-key-of-32-bytes-long').toString('base64');
  const body = JSON.stringify({ installationId: 'i-1', evt: { name: 'switch', value: 'on' } });
  const now = Math.floor(Date.now() / 1000);
  // signed by the platform's own sender
  const signed = (secrets: string[], at = now, id = 'msg_1') => callbackHeaders({ id, installationId: 'i-1', body }, secrets, at);

  it('accepts the platform’s signature over id, timestamp and raw body, with either secret of a rotation', () => {
    const verifier = new WebhookVerifier(secret);
    expect(verifier.verify(signed([secret]), body, now)).toEqual({ id: 'msg_1', timestamp: now, payload: JSON.parse(body) });
    expect(verifier.verify(signed(['whsec_' + Buffer.from('the-next-key').toString('base64'), secret]), Buffer.from(body), now).id).toBe('msg_1');
    expect(verifier.verify(new Headers(signed([secret])), body, now).id).toBe('msg_1');
  });

  it('accepts what the standardwebhooks library (nobody here wrote it) signs, and nothing it did not', () => {
    const theirs = new Webhook(secret);
    const at = new Date(now * 1000);
    const signature = theirs.sign('msg_lib', at, body);
    const headers = { 'webhook-id': 'msg_lib', 'webhook-timestamp': String(now), 'webhook-signature': signature };
    expect(new WebhookVerifier(secret).verify(headers, body, now).id).toBe('msg_lib');
    expect(() => new WebhookVerifier(secret).verify(headers, `${body} `, now)).toThrow(WebhookVerificationError);
    // and the library accepts the platform's headers the SDK accepts
    expect(theirs.verify(body, signed([secret]))).toEqual(JSON.parse(body));
  });

  it('takes a plain-text secret as its bytes, as the platform does', () => {
    expect(new WebhookVerifier('plain-text-secret').verify(signed([asWebhookSecret('plain-text-secret')]), body, now).id).toBe('msg_1');
  });

  it('refuses another key, a changed body or id, a stale or future timestamp, and missing headers', () => {
    const verifier = new WebhookVerifier(secret);
    const refusal = (headers: Record<string, string>, raw = body) => {
      try {
        verifier.verify(headers, raw, now);
        return null;
      } catch (err) {
        return err;
      }
    };
    expect(refusal(signed(['whsec_' + Buffer.from('another-key').toString('base64')]))).toBeInstanceOf(WebhookVerificationError);
    expect(refusal(signed([secret]), body.replace('on', 'of'))).toBeInstanceOf(WebhookVerificationError);
    expect(refusal({ ...signed([secret]), 'webhook-id': 'msg_2' })).toBeInstanceOf(WebhookVerificationError);
    expect(refusal(signed([secret], now - 301))).toBeInstanceOf(WebhookVerificationError);
    expect(refusal(signed([secret], now + 301))).toBeInstanceOf(WebhookVerificationError);
    expect(refusal({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(now) })).toBeInstanceOf(WebhookVerificationError);
  });
});
