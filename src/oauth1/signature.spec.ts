import { hmacSha1, Param, parseAuthorizationHeader, percentEncode, signatureBaseString } from './signature';

describe('RFC 5849 signatures', () => {
  // RFC 5849 §3.4.1.1's example request (body c2&a3=2+q, query b5=%3D%253D&a3=a&c%40=&a2=r%20b)
  const params: Param[] = [
    ['b5', '=%3D'],
    ['a3', 'a'],
    ['c@', ''],
    ['a2', 'r b'],
    ['oauth_consumer_key', '9djdj82h48djs9d2'],
    ['oauth_token', 'kkk9d7dh3k39sjv7'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', '137131201'],
    ['oauth_nonce', '7d8f3e4a'],
    ['c2', ''],
    ['a3', '2 q'],
    ['oauth_signature', 'ignored'],
  ];

  it('builds the base string of the RFC’s example exactly', () => {
    expect(signatureBaseString('post', 'http://example.com/request', params)).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });

  it('encodes as RFC 3986 unreserved, including !*\'()', () => {
    expect(percentEncode("a b!*'()~-._")).toBe('a%20b%21%2A%27%28%29~-._');
  });

  it('keys HMAC-SHA1 with the encoded consumer and token secrets', () => {
    // RFC 5849 §1.2 example: photos request with nonce chapoH, secrets kd94hf93k423kf44 & pfkkdhi9sl3r4s00
    const base = signatureBaseString('GET', 'http://photos.example.net/photos', [
      ['file', 'vacation.jpg'],
      ['size', 'original'],
      ['oauth_consumer_key', 'dpf43f3p2l4k3l03'],
      ['oauth_token', 'nnch734d00sl2jdk'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131202'],
      ['oauth_nonce', 'chapoH'],
    ]);
    expect(hmacSha1(base, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00')).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  it('parses an Authorization header, dropping realm, and refuses a malformed one', () => {
    expect(parseAuthorizationHeader('OAuth realm="Example", oauth_consumer_key="a%20b", smart_record_id="r1"')).toEqual([
      ['oauth_consumer_key', 'a b'],
      ['smart_record_id', 'r1'],
    ]);
    expect(parseAuthorizationHeader('OAuth oauth_consumer_key=unquoted')).toBeNull();
    expect(parseAuthorizationHeader('Bearer abc')).toBeNull();
  });
});
