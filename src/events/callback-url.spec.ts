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

  it('compares the decoded, normalised path: an encoded slash, backslash or dot segment cannot climb out', () => {
    const api = ['https://svc.example/api/'];
    const ok = (url: string) => checkCallbackUrl(url, api, false).ok;
    expect(ok('https://svc.example/api/hooks')).toBe(true);
    expect(ok('https://svc.example/api/a%20b')).toBe(true);
    expect(ok('https://svc.example/api/..%2fadmin')).toBe(false);
    expect(ok('https://svc.example/api/%2e%2e%2fadmin')).toBe(false);
    expect(ok('https://svc.example/api/..%5cadmin')).toBe(false);
    expect(ok('https://svc.example/api/..;/admin')).toBe(false);
    expect(ok('https://svc.example/api/%252e%252e%252fadmin')).toBe(false);
    expect(ok('https://svc.example/api/%ff')).toBe(false);
    // decoded, it is /api/x: under the prefix
    expect(ok('https://svc.example/api%2fx')).toBe(true);
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
  it.each([
    '::7f00:1',
    '::127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:192.168.0.1',
    '::ffff:0:10.0.0.1',
    '::ffff:0:a00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::808:808',
    '2002:7f00:1::',
    '2002:c0a8:101::1',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    '2001:db8::1',
    'fec0::1',
    '0:0:0:0:0:0:0:1',
    'fe80::1%eth0',
    '::',
    '1::2::3',
    '12345::1',
  ])('treats the IPv6 form %s as private (embedded private IPv4, or a private range)', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'])('treats %s as public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });
});

describe('describeCallbackUrl', () => {
  it('shows origin and path, never the query', () => {
    expect(describeCallbackUrl('https://a.example/hook?token=secret')).toBe('https://a.example/hook');
  });
});
