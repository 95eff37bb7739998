import { callbackPrefixProblem } from './callback-prefix';

describe('callbackPrefixProblem', () => {
  it.each(['https://hooks.example/', 'https://hooks.example/a/b', 'http://127.0.0.1:8080/hooks', 'http://lan-host.local/'])('accepts %s', (prefix) => {
    expect(callbackPrefixProblem(prefix)).toBeNull();
  });

  it.each([
    ['hooks.example/', 'hooks.example/ is not an absolute URL'],
    ['ftp://hooks.example/', 'ftp://hooks.example/ must be an http or https URL'],
    ['https://user:pw@hooks.example/', 'https://user:pw@hooks.example/ must not contain credentials'],
    ['https://hooks.example/?a=1', 'https://hooks.example/?a=1 must not have a query or fragment'],
    ['https://hooks.example/#x', 'https://hooks.example/#x must not have a query or fragment'],
    ['https://hooks.example/*', 'https://hooks.example/* must not contain wildcards: it is a prefix already'],
  ])('refuses %s', (prefix, message) => {
    expect(callbackPrefixProblem(prefix)).toBe(message);
  });
});

describe('callbackPrefixProblem: the path is compared decoded and normalised', () => {
  it.each(['https://hooks.example/api/%2e%2e%2fadmin', 'https://hooks.example/a//b/', 'https://hooks.example/a/..;/b/', 'https://hooks.example/a%5c..%5cb/', 'https://hooks.example/a/%252e%252e/', 'https://hooks.example/%ff/'])('refuses %s', (prefix) => {
    expect(callbackPrefixProblem(prefix)).toBe(`${prefix} must be a plain path: no dot segments, backslashes, repeated slashes or double encoding`);
  });

  it.each(['https://hooks.example/caf%C3%A9/', 'https://hooks.example/a%20b/in'])('accepts the encoded but plain %s', (prefix) => {
    expect(callbackPrefixProblem(prefix)).toBeNull();
  });
});
