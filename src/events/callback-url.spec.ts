import { checkCallbackUrl, describeCallbackUrl, isPrivateAddress } from './callback-url';

describe('checkCallbackUrl', () => {
  const prefixes = ['https://hooks.example.com/in/', 'https://api.example.org/v1', 'http://127.0.0.1:8080/cb/'];
  const allowed = (url: string, allowPrivate = true) => checkCallbackUrl(url, prefixes, allowPrivate).ok;

  it('allows a URL at or below a registered prefix, query included', () => {
    expect(allowed('https://hooks.example.com/in/')).toBe(true);
    expect(allowed('https://hooks.example.com/in/a/b?x=1')).toBe(true);
    expect(allowed('https://HOOKS.example.com:443/in/a')).toBe(true);
    expect(allowed('https://api.example.org/v1')).toBe(true);
    expect(allowed('https://api.example.org/v1/events')).toBe(true);
  });

  it('compares the parsed origin and path, never the raw text', () => {
    expect(allowed('https://hooks.example.com.evil.test/in/')).toBe(false);
    expect(allowed('https://hooks.example.com@evil.test/in/')).toBe(false);
    expect(allowed('https://user:pw@hooks.example.com/in/')).toBe(false);
    expect(allowed('https://api.example.org/v10')).toBe(false);
    expect(allowed('https://hooks.example.com/in/../admin')).toBe(false);
    expect(allowed('https://hooks.example.com/in/%2e%2e/admin')).toBe(false);
    expect(allowed('http://hooks.example.com/in/')).toBe(false);
    expect(allowed('https://hooks.example.com:8443/in/')).toBe(false);
    expect(allowed('ftp://hooks.example.com/in/')).toBe(false);
    expect(allowed('/in/relative')).toBe(false);
  });

  it('refuses loopback and private addresses unless the private network is allowed (development)', () => {
    expect(allowed('http://127.0.0.1:8080/cb/x', true)).toBe(true);
    expect(checkCallbackUrl('http://127.0.0.1:8080/cb/x', prefixes, false)).toEqual({ ok: false, reason: 'loopback and private addresses are not allowed' });
    for (const url of ['http://localhost/cb/', 'http://[::1]/cb/', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::ffff:127.0.0.1]/']) {
      expect(checkCallbackUrl(url, [url], false).ok).toBe(false);
    }
  });

  it('ignores a registered prefix that carries a query, a fragment or credentials', () => {
    expect(checkCallbackUrl('https://a.example/x', ['https://a.example/?q=1'], true).ok).toBe(false);
    expect(checkCallbackUrl('https://a.example/x', ['https://u:p@a.example/'], true).ok).toBe(false);
    expect(checkCallbackUrl('https://a.example/x', ['not a url'], true).ok).toBe(false);
  });
});

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', 'not-an-ip'])(
    'treats %s as private',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(true);
    },
  );
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1'])('treats %s as public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });
});

describe('describeCallbackUrl', () => {
  it('shows origin and path, never the query', () => {
    expect(describeCallbackUrl('https://a.example/hook?token=secret')).toBe('https://a.example/hook');
  });
});
