// Strict OAuth client libraries nobody here wrote, each run through the whole life of a grant:
// authorization code, the token reply (scope exactly as asked: strict clients warn or stop when it
// differs), refresh, revocation. oauth4webapi is ESM-only and runs in a child process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import express from 'express';
import session from 'express-session';
import { generators, Issuer } from 'openid-client';
import { Passport } from 'passport';
import OAuth2Strategy from 'passport-oauth2';
import { AuthorizationCode } from 'simple-oauth2';
import request from 'supertest';
import { codeFrom, decide, DEMO_CLIENT, openPreferencesAt, optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

jest.setTimeout(60_000);

// passport-oauth2 has no refresh of its own; passport-oauth2-refresh does exactly this with _oauth2
class RefreshingStrategy extends OAuth2Strategy {
  refresh(refreshToken: string): Promise<{ accessToken: string; refreshToken: string; params: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      this._oauth2.getOAuthAccessToken(refreshToken, { grant_type: 'refresh_token' }, (err, accessToken, newRefreshToken, params: Record<string, unknown>) => {
        if (err || !accessToken || !newRefreshToken) {
          reject(new Error(`refresh failed: ${JSON.stringify(err)}`));
        } else {
          resolve({ accessToken, refreshToken: newRefreshToken, params });
        }
      });
    });
  }
}

describe('strict OAuth client libraries: code, refresh and revocation without a warning', () => {
  let t: TestApp;
  let site: string;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(String(w));

  beforeAll(async () => {
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    t = await startTestApp({ PORT: String(port), BASE_URL: site });
    await t.app.listen(port, '127.0.0.1');
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await t.close();
  });

  /** The user's part: log in, consent in Home with the Kitchen Light; the URL the browser lands on. */
  async function consent(authorizeUrl: string): Promise<string> {
    const agent = await loggedIn(t.http);
    const page = await openPreferencesAt(agent, authorizeUrl, 'Home');
    return (await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303)).headers.location;
  }

  const apiStatus = async (accessToken: string) => (await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${accessToken}`)).status;

  it('openid-client 5 (RFC 8414 discovery, PKCE, state and iss checked)', async () => {
    const issuer = await Issuer.discover(`${site}/.well-known/oauth-authorization-server`);
    const client = new issuer.Client({ client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, redirect_uris: [DEMO_CLIENT.redirectUri], response_types: ['code'] });
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const landed = await consent(client.authorizationUrl({ scope: 'app', state, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' }));
    const tokens = await client.oauthCallback(DEMO_CLIENT.redirectUri, client.callbackParams(landed), { state, code_verifier: verifier });
    expect(tokens.scope).toBe('app');
    const refreshed = await client.refresh(tokens.refresh_token!);
    expect(refreshed.scope).toBe('app');
    expect(await apiStatus(refreshed.access_token!)).toBe(200);
    await client.revoke(refreshed.refresh_token!, 'refresh_token');
    expect(await apiStatus(refreshed.access_token!)).toBe(401);
  });

  it('simple-oauth2 5 (HTTP Basic; its revoke() needs a JSON reply)', async () => {
    const client = new AuthorizationCode({ client: { id: DEMO_CLIENT.clientId, secret: DEMO_CLIENT.clientSecret }, auth: { tokenHost: site } });
    const landed = await consent(client.authorizeURL({ redirect_uri: DEMO_CLIENT.redirectUri, scope: 'app', state: 'simple-oauth2-state' }));
    expect(new URL(landed).searchParams.get('state')).toBe('simple-oauth2-state');
    const token = await client.getToken({ code: codeFrom(landed), redirect_uri: DEMO_CLIENT.redirectUri, scope: 'app' });
    expect(token.token.scope).toBe('app');
    const refreshed = await token.refresh();
    expect(refreshed.token.scope).toBe('app');
    const accessToken = String(refreshed.token.access_token);
    expect(await apiStatus(accessToken)).toBe(200);
    await refreshed.revoke('access_token');
    expect(await apiStatus(accessToken)).toBe(401);
    await refreshed.revoke('refresh_token');
    await expect(refreshed.refresh()).rejects.toThrow();
  });

  it('passport-oauth2 (client_secret in the body, state and PKCE kept in the session)', async () => {
    const passport = new Passport();
    const strategy = new RefreshingStrategy(
      {
        authorizationURL: `${site}/oauth/authorize`,
        tokenURL: `${site}/oauth/token`,
        clientID: DEMO_CLIENT.clientId,
        clientSecret: DEMO_CLIENT.clientSecret,
        callbackURL: DEMO_CLIENT.redirectUri,
        scope: 'app',
        state: true,
        pkce: true,
      },
      (accessToken: string, refreshToken: string, params: Record<string, unknown>, _profile: unknown, verified: OAuth2Strategy.VerifyCallback) =>
        // Express.User is the platform's account here; this client application's user is its grant
        verified(null, { accessToken, refreshToken, params } as unknown as Express.User),
    );
    passport.use('platform', strategy);
    const clientApp = express();
    clientApp.use(session({ secret: 'passport-client-test-secret', resave: false, saveUninitialized: true }));
    clientApp.use(passport.initialize());
    clientApp.get('/login', passport.authenticate('platform', { session: false }));
    clientApp.get('/callback', (req, res, next) => {
      (passport.authenticate('platform', { session: false }, (err: unknown, user: unknown, info: unknown) => {
        res.json(err ? { error: err instanceof Error ? err.message : JSON.stringify(err) } : { user, info });
      }) as express.RequestHandler)(req, res, next);
    });
    const browser = request.agent(clientApp);
    const start = await browser.get('/login').expect(302);
    const landed = new URL(await consent(start.headers.location));
    const done = await browser.get(`/callback${landed.search}`).expect(200);
    const user = (done.body as { user: { accessToken: string; refreshToken: string; params: { scope: string } } }).user;
    expect(done.body.error).toBeUndefined();
    expect(user.params.scope).toBe('app');
    const refreshed = await strategy.refresh(user.refreshToken);
    expect(refreshed.params.scope).toBe('app');
    expect(await apiStatus(refreshed.accessToken)).toBe(200);
    // passport-oauth2 has no revocation: the application posts RFC 7009 itself
    const revoked = await request(t.http)
      .post('/oauth/revoke')
      .type('form')
      .send({ token: refreshed.refreshToken, token_type_hint: 'refresh_token', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })
      .expect(200);
    expect(revoked.headers['content-type']).toMatch(/^application\/json/);
    expect(revoked.body).toEqual({});
    expect(await apiStatus(refreshed.accessToken)).toBe(401);
  });

  it('oauth4webapi 3 (ESM, in a child process: discovery, PKCE, iss, refresh, revocation)', async () => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'clients', 'oauth4webapi-flow.mjs'), site, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret, DEMO_CLIENT.redirectUri], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = JSON.parse(String((await lines.next()).value)) as { authorize?: string; error?: string };
    expect(first.error).toBeUndefined();
    child.stdin.write(`${await consent(first.authorize!)}\n`);
    const outcome = JSON.parse(String((await lines.next()).value)) as { result?: Record<string, unknown>; error?: string };
    await exited;
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toEqual({ scope: 'app', refreshedScope: 'app', rotated: true, afterRevocation: 401, warnings: [] });
  });

  it('printed no process warning along the way', () => {
    expect(warnings).toEqual([]);
  });
});
