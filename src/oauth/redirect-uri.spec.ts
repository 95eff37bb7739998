import { isRegisteredRedirectUri, redirectUriProblem, withResponseParams } from './redirect-uri';

describe('redirect URIs', () => {
  const registered = ['https://app.example/cb', 'http://localhost:3001/callback'];

  it('matches only the exact registered string', () => {
    expect(isRegisteredRedirectUri(registered, 'https://app.example/cb')).toBe(true);
    for (const near of ['https://app.example/cb/', 'https://app.example/cb?x=1', 'https://APP.example/cb', 'https://app.example/c', 'https://app.example/cb#f']) {
      expect(isRegisteredRedirectUri(registered, near)).toBe(false);
    }
  });

  it('adds response parameters and keeps the URI’s own query', () => {
    expect(withResponseParams('https://app.example/cb?a=1', { code: 'c', state: 's', skip: null })).toBe('https://app.example/cb?a=1&code=c&state=s');
  });

  it.each([
    ['http://app.example/cb', 'https'],
    ['https://app.example/cb#frag', 'fragment'],
    ['https://*.example/cb', 'wildcard'],
    ['javascript:alert(1)', 'https'],
    ['data:text/html,hi', 'https'],
    ['not a url', 'absolute'],
    ['https://user:pw@app.example/cb', 'credentials'],
  ])('refuses %s at registration', (uri, why) => {
    expect(redirectUriProblem(uri)).toContain(why);
  });

  it('allows https anywhere and http on loopback', () => {
    for (const ok of ['https://app.example/cb', 'http://localhost:3001/callback', 'http://127.0.0.1:8080/cb', 'http://[::1]:8080/cb']) {
      expect(redirectUriProblem(ok)).toBeNull();
    }
  });
});
