// A real third-party client library (openid-client, RFC 8414 discovery) drives the whole OAuth
// surface; its own validation (state, iss, PKCE, token response shape) must pass.
import { BaseClient, generators, Issuer } from 'openid-client';
import { agentFor, decide, logIn, openPreferencesAt, optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('interoperability with a standard OAuth2 client library', () => {
  let t: TestApp;
  let client: BaseClient;
  const redirectUri = 'http://localhost:3001/callback';

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ PORT: String(port), BASE_URL: `http://127.0.0.1:${port}` });
    await t.app.listen(port, '127.0.0.1');
    const issuer = await Issuer.discover(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
    client = new issuer.Client({
      client_id: 'device-bridge',
      client_secret: 'device-bridge-secret',
      redirect_uris: [redirectUri],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  async function authorize(url: string): Promise<string> {
    const agent = agentFor(t.http);
    await logIn(agent, 'demo@example.com', 'demo-password');
    const page = await openPreferencesAt(agent, url, 'Home');
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    return decided.headers.location;
  }

  it('discovers the metadata of RFC 8414', () => {
    const metadata = client.issuer.metadata;
    expect(metadata.issuer).toBe(t.config.baseUrl);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256', 'plain']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('runs authorization code + PKCE, refresh with rotation, introspection and revocation', async () => {
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const url = client.authorizationUrl({ scope: 'app offline_access', state, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await authorize(url);
    const params = client.callbackParams(callback);
    // oauthCallback checks state and iss (RFC 9207) itself, then redeems the code with the verifier
    const tokens = await client.oauthCallback(redirectUri, params, { state, code_verifier: verifier });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(0);

    const introspected = await client.introspect(tokens.access_token!);
    expect(introspected).toMatchObject({ active: true, client_id: 'device-bridge', token_type: 'bearer', scope: 'app offline_access' });
    expect(introspected.installation_id).toBe((tokens as unknown as { installation_id: string }).installation_id);

    const refreshed = await client.refresh(tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await client.introspect(tokens.access_token!)).active).toBe(false);
    expect((await client.introspect(refreshed.access_token!)).active).toBe(true);

    await client.revoke(refreshed.refresh_token!, 'refresh_token');
    expect((await client.introspect(refreshed.access_token!)).active).toBe(false);
    expect((await client.introspect(refreshed.refresh_token!)).active).toBe(false);
  });

  it('rejects a replayed refresh token through the library and revokes the family', async () => {
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const callback = await authorize(client.authorizationUrl({ scope: 'app offline_access', state, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' }));
    const tokens = await client.oauthCallback(redirectUri, client.callbackParams(callback), { state, code_verifier: verifier });
    const rotated = await client.refresh(tokens.refresh_token!);
    await expect(client.refresh(tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.introspect(rotated.access_token!)).active).toBe(false);
    await expect(client.refresh(rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
