import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './app-config';

describe('OAUTH1_SECRET_KEY and OAUTH1_OLD_SECRET_KEYS', () => {
  const base = { DATABASE_URL: 'sqlite::memory:', SESSION_SECRET: 'test-session-secret-0123456789' };
  const key = () => randomBytes(32).toString('base64');

  it('uses the configured key first and the old keys after it', () => {
    const [current, old1, old2] = [key(), key(), key()];
    const keys = loadConfig({ ...base, OAUTH1_SECRET_KEY: current, OAUTH1_OLD_SECRET_KEYS: `${old1}, ${old2}` }).oauth1SecretKeys;
    expect(keys.map((k) => k.toString('base64'))).toEqual([current, old1, old2]);
  });

  it('has a development key without configuration, and none in production (OAuth 1.0a off)', () => {
    expect(loadConfig(base).oauth1SecretKeys).toHaveLength(1);
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).oauth1SecretKeys).toEqual([]);
  });

  it.each([
    ['a short key', { OAUTH1_SECRET_KEY: randomBytes(16).toString('base64') }],
    ['a short old key', { OAUTH1_SECRET_KEY: randomBytes(32).toString('base64'), OAUTH1_OLD_SECRET_KEYS: 'abc' }],
  ])('refuses %s', (_what, env) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
  });
});
