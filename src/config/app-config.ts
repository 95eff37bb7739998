import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

export type DatabaseSettings =
  | { type: 'sqlite'; database: string }
  | { type: 'postgres'; url: string };

// Every tunable of the platform, read once from the environment at start-up.
export interface AppConfig {
  port: number;
  baseUrl: string;
  database: DatabaseSettings;
  sessionSecret: string;
  seedDemo: boolean;
  demoClientPort: number;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  production: boolean;
  /** code lifetime: RFC 6749 recommends at most 10 minutes; SECURITY.md asks ≤ 60 s */
  authorizationCodeTtlSeconds: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** an unfinished authorize transaction (location and preference pages) expires after this */
  authorizeTransactionTtlSeconds: number;
  sessionTtlSeconds: number;
  sandbox: { cpuMs: number; memoryBytes: number };
  /** app_logs kept per installation: older lines are pruned as new ones are written (docs/authoring.md) */
  appLogRetention: number;
  /** subscriptions, schedules and callbacks (docs/events.md) */
  events: EventsSettings;
  /** calls per installation on its install URL (CONTRACT §3) */
  rateLimit: { calls: number; windowSeconds: number };
  /** how long an instance trusts an OAuth client it loaded for client authentication; changes made here invalidate at once (docs/performance.md) */
  clientCacheSeconds: number;
  dataDir: string;
  /** the SMART auth-proxy's /oauth/debug/* endpoints: on in development, off in production unless ENABLE_DEBUG_ENDPOINTS=true */
  debugEndpoints: boolean;
  /** tests only: start from an empty database */
  dropSchemaOnStart: boolean;
}

export interface EventsSettings {
  /** run the outbox, scheduler and callback loops in this process (`npm start`); off makes an API-only instance */
  worker: boolean;
  /** how often the loops look for work they were not told about (other instances' changes, due jobs) */
  pollMs: number;
  maxSubscriptionsPerInstallation: number;
  maxPendingJobsPerInstallation: number;
  /** event and scheduled handler runs per installation per minute; cuts loops between installations */
  handlerRunsPerMinute: number;
  callbackTimeoutMs: number;
  /** a failing callback is retried with backoff for this long, then dropped */
  callbackRetrySeconds: number;
  /** callbacks may reach loopback and private addresses (development only by default) */
  callbackAllowPrivateNetwork: boolean;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (['true', '1', 'yes', 'on'].includes(raw.toLowerCase())) {
    return true;
  }
  if (['false', '0', 'no', 'off'].includes(raw.toLowerCase())) {
    return false;
  }
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`BASE_URL must be an absolute http(s) URL, got "${raw}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new ConfigError(`BASE_URL must be an http(s) origin with an optional path, got "${raw}"`);
  }
  return url.toString().replace(/\/$/, '');
}

function parseDatabase(raw: string, cwd: string): DatabaseSettings {
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    }
    return { type: 'postgres', url: raw };
  }
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length);
    if (path === '') {
      throw new ConfigError('DATABASE_URL "sqlite:" needs a path, e.g. sqlite:data/platform.sqlite or sqlite::memory:');
    }
    if (path === ':memory:') {
      return { type: 'sqlite', database: ':memory:' };
    }
    return { type: 'sqlite', database: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  throw new ConfigError(`DATABASE_URL must start with sqlite: or postgres://, got "${raw.split(':')[0]}:…"`);
}

function sessionSecret(env: Env, dataDir: string): string {
  const given = env.SESSION_SECRET;
  if (given !== undefined && given !== '') {
    if (given.length < 16) {
      throw new ConfigError('SESSION_SECRET must be at least 16 characters');
    }
    return given;
  }
  const file = resolve(dataDir, 'session-secret');
  if (existsSync(file)) {
    return readFileSync(file, 'utf8').trim();
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Env, cwd: string = process.cwd()): AppConfig {
  const production = env.NODE_ENV === 'production';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const dataDir = resolve(cwd, env.DATA_DIR ?? 'data');
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of error, warn, info, debug, got "${logLevel}"`);
  }
  return {
    port,
    baseUrl: parseBaseUrl(env.BASE_URL ?? `http://localhost:${port}`),
    database: parseDatabase(env.DATABASE_URL ?? 'sqlite:data/platform.sqlite', cwd),
    sessionSecret: sessionSecret(env, dataDir),
    seedDemo: boolean(env, 'SEED_DEMO', !production),
    demoClientPort: integer(env, 'DEMO_CLIENT_PORT', 3001, 0, 65535),
    logLevel: logLevel as AppConfig['logLevel'],
    production,
    authorizationCodeTtlSeconds: integer(env, 'AUTHORIZATION_CODE_TTL', 60, 1, 60),
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL', 24 * 3600, 60, 10 * 365 * 24 * 3600),
    refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL', 90 * 24 * 3600, 60, 10 * 365 * 24 * 3600),
    authorizeTransactionTtlSeconds: integer(env, 'AUTHORIZE_TRANSACTION_TTL', 15 * 60, 30, 24 * 3600),
    sessionTtlSeconds: integer(env, 'SESSION_TTL', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    sandbox: {
      cpuMs: integer(env, 'SANDBOX_CPU_MS', 1000, 10, 60000),
      memoryBytes: integer(env, 'SANDBOX_MEMORY_MB', 64, 8, 1024) * 1024 * 1024,
    },
    appLogRetention: integer(env, 'APP_LOG_RETENTION', 1000, 10, 1000000),
    events: {
      worker: boolean(env, 'EVENTS_WORKER', true),
      pollMs: integer(env, 'EVENTS_POLL_MS', 1000, 50, 60000),
      maxSubscriptionsPerInstallation: integer(env, 'SUBSCRIPTIONS_MAX', 100, 1, 10000),
      maxPendingJobsPerInstallation: integer(env, 'SCHEDULES_MAX_PENDING', 50, 1, 10000),
      handlerRunsPerMinute: integer(env, 'EVENT_HANDLER_BUDGET', 120, 1, 100000),
      callbackTimeoutMs: integer(env, 'CALLBACK_TIMEOUT_MS', 10000, 100, 120000),
      callbackRetrySeconds: integer(env, 'CALLBACK_RETRY_SECONDS', 3600, 0, 7 * 24 * 3600),
      callbackAllowPrivateNetwork: boolean(env, 'CALLBACKS_ALLOW_PRIVATE_NETWORK', !production),
    },
    rateLimit: {
      calls: integer(env, 'RATE_LIMIT_CALLS', 250, 1, 1000000),
      windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
    },
    clientCacheSeconds: integer(env, 'CLIENT_CACHE_SECONDS', 5, 0, 300),
    dataDir,
    debugEndpoints: boolean(env, 'ENABLE_DEBUG_ENDPOINTS', !production),
    dropSchemaOnStart: false,
  };
}

/** The only place the platform reads process.env. */
export function loadConfigFromEnvironment(): AppConfig {
  return loadConfig(process.env);
}
