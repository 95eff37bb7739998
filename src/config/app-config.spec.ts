import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, sandboxPoolSettings } from './app-config';

describe('loadConfig', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'cfg-'));

  it('applies the documented defaults', () => {
    const cwd = dir();
    const config = loadConfig({}, cwd);
    expect(config.port).toBe(3000);
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.database).toEqual({ type: 'sqlite', database: join(cwd, 'data/platform.sqlite') });
    expect(config.seedDemo).toBe(true);
    expect(config.demoClientPort).toBe(3001);
    expect(config.authorizationCodeTtlSeconds).toBe(60);
    expect(config.accessTokenTtlSeconds).toBe(86400);
  });

  it('reads the sandbox pool and fairness settings, one worker per core by default', () => {
    const defaults = loadConfig({}, dir()).sandbox;
    expect(defaults).toMatchObject({ workers: Math.min(16, availableParallelism()), concurrencyPerInstallation: 2, queuePerInstallation: 16, cpuMsPerInstallation: 20000, cpuMsPerSmartApp: 60000, quarantineAfterKills: 3, quarantineSeconds: 30 });
    const sandbox = loadConfig({ SANDBOX_WORKERS: '3', SANDBOX_CPU_WINDOW_SECONDS: '10', SANDBOX_CPU_MS_PER_SMARTAPP: '0', SANDBOX_QUARANTINE_SECONDS: '5' }, dir()).sandbox;
    expect(sandboxPoolSettings(sandbox)).toMatchObject({ workers: 3, fairness: { cpuWindowMs: 10000, appCpuMsPerWindow: 0, quarantineBaseMs: 5000, reserveWorkers: 1 } });
    expect(() => loadConfig({ SANDBOX_WORKERS: '0' }, dir())).toThrow(new ConfigError('SANDBOX_WORKERS must be a whole number from 1 to 16, got "0"'));
  });

  it('reads what a sandbox worker keeps in memory and may take', () => {
    expect(sandboxPoolSettings(loadConfig({}, dir()).sandbox).memory).toEqual({ idleReleaseMs: 60000, engineRetainBytes: 32 * 1024 * 1024, workerHeapMb: 128 });
    const sandbox = loadConfig({ SANDBOX_IDLE_RELEASE_SECONDS: '0', SANDBOX_ENGINE_RETAIN_MB: '100', SANDBOX_WORKER_HEAP_MB: '256' }, dir()).sandbox;
    expect(sandboxPoolSettings(sandbox).memory).toEqual({ idleReleaseMs: 0, engineRetainBytes: 100 * 1024 * 1024, workerHeapMb: 256 });
    expect(() => loadConfig({ SANDBOX_WORKER_HEAP_MB: '16' }, dir())).toThrow(new ConfigError('SANDBOX_WORKER_HEAP_MB must be a whole number from 32 to 4096, got "16"'));
  });

  it('generates the session secret once and keeps it under data/', () => {
    const cwd = dir();
    const first = loadConfig({}, cwd).sessionSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(cwd, 'data', 'session-secret'), 'utf8')).toBe(first);
    expect(loadConfig({}, cwd).sessionSecret).toBe(first);
  });

  it('derives BASE_URL from PORT and turns the demo seed off in production', () => {
    const config = loadConfig({ PORT: '8080', NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(20) }, dir());
    expect(config.baseUrl).toBe('http://localhost:8080');
    expect(config.seedDemo).toBe(false);
    expect(config.debugEndpoints).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ BASE_URL: 'not a url' }, 'BASE_URL'],
    [{ BASE_URL: 'ftp://example.com' }, 'BASE_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SEED_DEMO: 'maybe' }, 'SEED_DEMO'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ AUTHORIZATION_CODE_TTL: '600' }, 'AUTHORIZATION_CODE_TTL'],
  ])('stops with a message naming the variable for %p', (env, name) => {
    expect(() => loadConfig(env, dir())).toThrow(ConfigError);
    expect(() => loadConfig(env, dir())).toThrow(name);
  });

  it('reads sqlite paths, in-memory and PostgreSQL URLs', () => {
    const cwd = dir();
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }, cwd).database).toEqual({ type: 'sqlite', database: ':memory:' });
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }, cwd).database).toEqual({ type: 'sqlite', database: '/tmp/x.sqlite' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d' }, cwd).database).toEqual({ type: 'postgres', url: 'postgres://u:p@h:5432/d' });
  });

  it('reads the operations settings: HOST, METRICS_TOKEN, METRICS_PORT, READY_MAX_LAG_MS', () => {
    const cwd = dir();
    expect(loadConfig({}, cwd).operations).toEqual({ host: 'localhost', metricsToken: undefined, metricsPort: 0, readyMaxLagMs: 1000 });
    const set = loadConfig({ HOST: '0.0.0.0', METRICS_TOKEN: 'a-long-metrics-token-123', METRICS_PORT: '9464', READY_MAX_LAG_MS: '250' }, cwd).operations;
    expect(set).toEqual({ host: '0.0.0.0', metricsToken: 'a-long-metrics-token-123', metricsPort: 9464, readyMaxLagMs: 250 });
    expect(loadConfig({ HOST: '::' }, cwd).operations.host).toBe('::');
    expect(() => loadConfig({ HOST: 'http://example.com/' }, cwd)).toThrow(/^HOST must be a host name or an IP address/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' }, cwd)).toThrow(/^METRICS_TOKEN must be at least 16 characters/);
    expect(() => loadConfig({ METRICS_TOKEN: 'has spaces in the middle' }, cwd)).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PORT: '70000' }, cwd)).toThrow(/^METRICS_PORT must be a whole number/);
  });
});
