import { redactUrl } from './logging';

describe('redactUrl', () => {
  it('hides the values of secret-looking query parameters and keeps the rest', () => {
    expect(redactUrl('/callback?code=abc123&state=xyz')).toBe('/callback?code=[redacted]&state=xyz');
    expect(redactUrl('/api/x?access_token=t0k&limit=5')).toBe('/api/x?access_token=[redacted]&limit=5');
    expect(redactUrl('/oauth/token?client_secret=s&client_id=c&code_verifier=v')).toBe('/oauth/token?client_secret=[redacted]&client_id=c&code_verifier=[redacted]');
    expect(redactUrl('/x?%70assword=p')).toBe('/x?%70assword=[redacted]');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
    expect(redactUrl('/x?flag&token')).toBe('/x?flag&token');
  });
});
