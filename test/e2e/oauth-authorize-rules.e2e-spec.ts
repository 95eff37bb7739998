// SECURITY.md, "Authorization endpoint and consent": each rule tried from outside.
import request from 'supertest';
import { Installation } from '../../src/installations/installation.entity';
import { AuthorizationCode } from '../../src/oauth/authorization-code.entity';
import { AuthorizeTransaction } from '../../src/oauth/authorize-transaction.entity';
import { agentFor, authorizeUrl, csrfOf, decide, openPreferences, optionValue, pkcePair, transactionOf } from '../helpers/browser';
import { extraClient, loggedIn, OTHER_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('authorization endpoint and consent rules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const counts = async () => ({
    installations: await t.db.getRepository(Installation).count(),
    codes: await t.db.getRepository(AuthorizationCode).count(),
  });

  it('shows an error page, never a redirect, for an unknown client', async () => {
    const agent = await loggedIn(t.http);
    const res = await agent.get(authorizeUrl({ clientId: 'no-such-client' })).expect(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('Unknown application');
  });

  it.each([
    ['a prefix', 'http://localhost:3001/call'],
    ['a sub-path', 'http://localhost:3001/callback/more'],
    ['a case change', 'http://LOCALHOST:3001/Callback'],
    ['a trailing slash', 'http://localhost:3001/callback/'],
    ['an extra query', 'http://localhost:3001/callback?next=evil'],
    ['a fragment', 'http://localhost:3001/callback#frag'],
    ['another host', 'https://evil.example/callback'],
  ])('compares redirect URIs exactly: %s is refused on a page, never redirected to', async (_what, redirectUri) => {
    const agent = await loggedIn(t.http);
    const res = await agent.get(authorizeUrl({ redirectUri })).expect(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('Unregistered redirect address');
  });

  it('answers response_type=token with unsupported_response_type (no implicit grant)', async () => {
    const res = await request(t.http).get(authorizeUrl({ responseType: 'token', state: 's1' })).expect(302);
    const url = new URL(res.headers.location);
    expect(url.searchParams.get('error')).toBe('unsupported_response_type');
    expect(url.searchParams.get('state')).toBe('s1');
    expect(url.searchParams.get('iss')).toBe(t.config.baseUrl);
  });

  it('answers an unknown scope with invalid_scope', async () => {
    const res = await request(t.http).get(authorizeUrl({ scope: 'app admin' })).expect(302);
    expect(new URL(res.headers.location).searchParams.get('error')).toBe('invalid_scope');
  });

  it('refuses a public client without PKCE', async () => {
    const pub = await extraClient(t, { clientId: 'public-no-pkce', public: true });
    const res = await request(t.http).get(authorizeUrl({ clientId: pub.clientId, redirectUri: pub.redirectUri })).expect(302);
    const url = new URL(res.headers.location);
    expect(url.searchParams.get('error')).toBe('invalid_request');
    expect(url.searchParams.get('error_description')).toContain('PKCE');
  });

  it('refuses code_challenge_method=plain for a client not allowed it', async () => {
    const { verifier } = pkcePair();
    const res = await request(t.http).get(authorizeUrl({ codeChallenge: verifier, codeChallengeMethod: 'plain' })).expect(302);
    expect(new URL(res.headers.location).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a code_challenge outside the RFC 7636 ABNF', async () => {
    const res = await request(t.http).get(authorizeUrl({ codeChallenge: 'too-short' })).expect(302);
    expect(new URL(res.headers.location).searchParams.get('error')).toBe('invalid_request');
  });

  it('sends the authorization response with code, state and iss after a 303', async () => {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home', { state: 'st-303' });
    const res = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') });
    expect(res.status).toBe(303);
    const url = new URL(res.headers.location);
    expect(url.searchParams.get('state')).toBe('st-303');
    expect(url.searchParams.get('iss')).toBe(t.config.baseUrl);
    expect(url.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a consent post without the CSRF token and installs nothing', async () => {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home');
    const before = await counts();
    const res = await agent
      .post('/oauth/authorize/decision')
      .type('form')
      .send({ transaction_id: transactionOf(page), decision: 'allow', 'settings[switches]': optionValue(page, 'Kitchen Light') })
      .expect(403);
    expect(res.headers.location).toBeUndefined();
    expect(await counts()).toEqual(before);
  });

  it('refuses a decision on another user’s transaction', async () => {
    const victim = await loggedIn(t.http);
    const page = await openPreferences(victim, 'Home');
    const attacker = await loggedIn(t.http, OTHER_USER);
    const attackerPage = await attacker.get('/').expect(200);
    const before = await counts();
    const res = await attacker
      .post('/oauth/authorize/decision')
      .type('form')
      .send({ _csrf: csrfOf(attackerPage.text), transaction_id: transactionOf(page), decision: 'allow' })
      .expect(400);
    expect(res.text).toContain('This authorization has expired');
    expect(await counts()).toEqual(before);
  });

  it('refuses a decision on an expired transaction', async () => {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home');
    await t.write((m) => m.getRepository(AuthorizeTransaction).createQueryBuilder().update().set({ expiresAt: new Date(Date.now() - 1000) }).execute());
    const before = await counts();
    await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(400);
    expect(await counts()).toEqual(before);
  });

  it('refuses the same transaction twice with the “already used” page (a decision ends it)', async () => {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home');
    await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const before = await counts();
    const again = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(409);
    expect(again.text).toContain('already used');
    expect(await counts()).toEqual(before);
  });

  it('keeps consent pages out of frames and caches', async () => {
    const agent = await loggedIn(t.http);
    const start = await agent.get(authorizeUrl()).expect(302);
    const res = await agent.get(start.headers.location).expect(200);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).not.toContain('form-action');
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('accepts only a same-origin path as return_to after log-in', async () => {
    for (const evil of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const agent = agentFor(t.http);
      const page = await agent.get('/login').expect(200);
      const res = await agent.post('/login').type('form').send({ email: 'demo@example.com', password: 'demo-password', _csrf: csrfOf(page.text), return_to: evil }).expect(303);
      expect(res.headers.location).toBe('/');
    }
  });

  it('redirects with the client’s registered URI when redirect_uri is omitted and only one is registered', async () => {
    const single = await extraClient(t, { clientId: 'single-uri' });
    const agent = await loggedIn(t.http);
    const res = await agent.get(`/oauth/authorize?response_type=code&client_id=${single.clientId}&state=z`).expect(302);
    expect(res.headers.location).toMatch(/^\/oauth\/authorize\/(location|preferences)/);
  });
});
