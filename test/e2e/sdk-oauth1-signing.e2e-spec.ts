import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { authorizationHeader, baseStringUri, normalizeParameters, percentEncode, signatureBaseString, signRequest } from '../../clients/typescript/src';

// The TypeScript SDK's OAuth 1.0a signer against the vectors printed in RFC 5849 and against the
// signatures of npm `oauth-1.0a`, a library nobody here wrote.

const headerParams = (header: string): Record<string, string> =>
  Object.fromEntries([...header.replace(/^OAuth /, '').matchAll(/([\w%.-]+)="([^"]*)"/g)].map((m) => [decodeURIComponent(m[1]), decodeURIComponent(m[2])]));

describe('the TypeScript SDK’s OAuth 1.0a signing (RFC 5849)', () => {
  it('§3.6 encodes every octet but the unreserved characters, in UTF-8', () => {
    expect(percentEncode("Ladies + Gentlemen!*'()~._-")).toBe('Ladies%20%2B%20Gentlemen%21%2A%27%28%29~._-');
    expect(percentEncode('☃')).toBe('%E2%98%83');
  });

  it('§3.4.1.2 builds the base string URI: lower-case scheme and host, default port dropped, no query', () => {
    expect(baseStringUri('HTTP://EXAMPLE.COM:80/r%20v/X?id=123')).toBe('http://example.com/r%20v/X');
    expect(baseStringUri('https://www.example.net:8080/?q=1')).toBe('https://www.example.net:8080/');
    expect(baseStringUri('https://example.net:443/a')).toBe('https://example.net/a');
  });

  it('§3.4.1.1 / §3.4.1.3 computes the RFC’s example base string from query, header and form parameters', () => {
    const signed = signRequest(
      { method: 'POST', url: 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b', form: [...new URLSearchParams('c2&a3=2+q')] },
      { consumerKey: '9djdj82h48djs9d2', consumerSecret: 'unused', token: 'kkk9d7dh3k39sjv7', tokenSecret: 'unused' },
      { nonce: '7d8f3e4a', timestamp: 137131201, version: null, realm: 'Example' },
    );
    expect(signed.baseString).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
    expect(signed.header.startsWith('OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2"')).toBe(true);
  });

  it('§3.4.1.3.2 sorts by encoded name, then by value', () => {
    expect(normalizeParameters([['b', '2'], ['a', 'z'], ['a', 'b'], ['a%', '1'], ['A', 'x']])).toBe('A=x&a=b&a=z&a%25=1&b=2');
  });

  // RFC 5849 §1.2: the three signed requests of the printer/photos example, as published
  const consumer = { consumerKey: 'dpf43f3p2l4k3l03', consumerSecret: 'kd94hf93k423kf44' };
  it('§1.2 / §3.4.2 reproduces the temporary-credentials signature of the RFC’s example', () => {
    const signed = signRequest({ method: 'POST', url: 'https://photos.example.net/initiate' }, consumer, {
      nonce: 'wIjqoS',
      timestamp: 137131200,
      version: null,
      realm: 'Photos',
      params: { oauth_callback: 'http://printer.example.com/ready' },
    });
    expect(signed.signature).toBe('74KNZJeDHnMBp0EMJ9ZHt/XKycU=');
    expect(signed.header).toContain('oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready"');
    expect(signed.header).toContain('oauth_signature="74KNZJeDHnMBp0EMJ9ZHt%2FXKycU%3D"');
  });

  it('§1.2 reproduces the token-request signature (request token secret in the key, verifier signed)', () => {
    const signed = signRequest({ method: 'POST', url: 'https://photos.example.net/token' }, { ...consumer, token: 'hh5s93j4hdidpola', tokenSecret: 'hdhd0244k9j7ao03' }, {
      nonce: 'walatlh',
      timestamp: 137131201,
      version: null,
      params: { oauth_verifier: 'hfdp7dh39dks9884' },
    });
    expect(signed.signature).toBe('gKgrFCywp7rO0OXSjdot/IHF7IU=');
  });

  it('§1.2 reproduces the signed resource request (query parameters signed)', () => {
    const signed = signRequest({ method: 'GET', url: 'http://photos.example.net/photos?file=vacation.jpg&size=original' }, { ...consumer, token: 'nnch734d00sl2jdk', tokenSecret: 'pfkkdhi9sl3r4s00' }, {
      nonce: 'chapoH',
      timestamp: 137131202,
      version: null,
    });
    expect(signed.signature).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  describe('matches npm oauth-1.0a', () => {
    const oauth = new OAuth({
      consumer: { key: 'smart-consumer', secret: 'consumer secret/with+odd&chars' },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    const token = { key: 'access-token-1', secret: 'token~secret=2' };
    // (oauth-1.0a reads `+` in a query as a plus, where §3.4.1.3.1 reads the form encoding's space: no `+` here)
    const cases: { name: string; method: string; url: string; data?: Record<string, string>; form?: [string, string][]; extra?: Record<string, string> }[] = [
      { name: 'a GET with a query', method: 'GET', url: 'http://localhost:3000/api/smartapps/installations/abc/switches?x=1&a=%C3%A9%20b' },
      { name: 'a PUT on a mapping with a form body', method: 'PUT', url: 'https://platform.example/api/smartapps/installations/abc/switches/d1/on', form: [['level', '50'], ['note', 'a b&c=d']] },
      { name: 'a request token with smart_record_id', method: 'POST', url: 'http://127.0.0.1:8080/oauth/request_token', extra: { oauth_callback: 'oob', smart_record_id: '5f0c5a7e-9d2b-4c1e-8f4a-0c1d2e3f4a5b' } },
    ];
    it.each(cases)('for $name', ({ method, url, form, extra }) => {
      const data = { ...Object.fromEntries(form ?? []), ...(extra ?? {}) };
      const theirs = oauth.authorize({ url, method, data }, token);
      const ours = signRequest({ method, url, form }, { consumerKey: 'smart-consumer', consumerSecret: 'consumer secret/with+odd&chars', token: token.key, tokenSecret: token.secret }, {
        nonce: theirs.oauth_nonce,
        timestamp: theirs.oauth_timestamp,
        params: extra,
      });
      expect(ours.signature).toBe(theirs.oauth_signature);
      expect(headerParams(ours.header)).toMatchObject({ oauth_signature: theirs.oauth_signature, oauth_consumer_key: 'smart-consumer', oauth_token: token.key, oauth_version: '1.0' });
    });
  });

  it('§3.5.1 writes the header with encoded names and values, realm first and unsigned', () => {
    expect(authorizationHeader([['oauth_token', 'a b'], ['smart_record_id', 'r/1']], 'Photos')).toBe('OAuth realm="Photos", oauth_token="a%20b", smart_record_id="r%2F1"');
    expect(signatureBaseString('get', 'http://a.example/p', [['z', '1']])).toBe('GET&http%3A%2F%2Fa.example%2Fp&z%3D1');
  });
});
