import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_FAIRNESS } from '../sandbox/sandbox.fairness';
import { DEFAULT_SANDBOX_MEMORY, DEFAULT_SANDBOX_WORKERS, type SandboxPoolSettings } from '../sandbox/sandbox.pool-options';

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
  /** after a webhook secret rotation, callbacks are signed with the old secret too for this long */
  webhookSecretGraceSeconds: number;
  /** an unfinished authorize transaction (location and preference pages) expires after this */
  authorizeTransactionTtlSeconds: number;
  sessionTtlSeconds: number;
  sandbox: SandboxSettings;
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
  /** a JSON body nested deeper than this is refused with a 400 before anything reads it */
  jsonMaxDepth: number;
  /** on SIGTERM: how long in-flight requests and handler runs get to finish before the rest is stopped */
  shutdownGraceMs: number;
  /** health, logs, metrics and listening address (docs/deploying.md) */
  operations: OperationsSettings;
  /** token → installation → version/location/grants kept in memory with invalidation (docs/performance.md, "Resolution cache") */
  resolutionCache: { maxEntries: number; maxAgeSeconds: number };
  /** AES-256-GCM keys sealing OAuth 1.0a secrets: the first seals, all open (OAUTH1_SECRET_KEY, OAUTH1_OLD_SECRET_KEYS); empty: OAuth 1.0a is off */
  oauth1SecretKeys: Buffer[];
}

export interface OperationsSettings {
  /** interface the HTTP server binds to (HOST) */
  host: string;
  /** bearer token that unlocks /metrics on the main port (METRICS_TOKEN); unset and no port: no metrics */
  metricsToken: string | undefined;
  /** serve /metrics without a token on this separate port (METRICS_PORT); 0 = off */
  metricsPort: number;
  /** /readyz fails when the event loop lagged more than this (READY_MAX_LAG_MS) */
  readyMaxLagMs: number;
  /** tests only: where log lines go instead of stdout */
  logSink?: { write(line: string): void };
}

/** SmartApp handler runs: limits of one call, the worker pool and its fairness (docs/authoring.md, "Limits and quarantine") */
export interface SandboxSettings {
  cpuMs: number;
  memoryBytes: number;
  /** worker threads running handlers (default: the machine's cores) */
  workers: number;
  /** runs of one installation at the same time */
  concurrencyPerInstallation: number;
  /** calls of one installation waiting for a worker; beyond them 429 at once */
  queuePerInstallation: number;
  cpuWindowSeconds: number;
  /** handler CPU time per installation and per SmartApp per window (0 = unlimited) */
  cpuMsPerInstallation: number;
  cpuMsPerSmartApp: number;
  /** deadline or memory kills in a row that quarantine an installation; the first quarantine's length (doubling) */
  quarantineAfterKills: number;
  quarantineSeconds: number;
  /** a worker idle this long lets go of its QuickJS engines and warm sessions (0: never) */
  idleReleaseSeconds: number;
  /** a QuickJS engine whose memory grew past this is replaced after the call that grew it */
  engineRetainBytes: number;
  /** V8 heap (old generation) of one sandbox worker thread, MiB */
  workerHeapMb: number;
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
  /** how often an instance records that it is alive; claims of an instance silent for 3 intervals are taken back */
  heartbeatMs: number;
  /** a claim older than this is taken back even from a live instance (a stuck item) */
  claimTimeoutMs: number;
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

function parseHost(raw: string): string {
  // a host name, an IPv4 address or an IPv6 address (0.0.0.0 / :: listen everywhere)
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw)) {
    throw new ConfigError(`HOST must be a host name or an IP address such as localhost, 0.0.0.0 or ::, got "${raw}"`);
  }
  return raw;
}

function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') {
    return undefined;
  }
  if (raw.length < 16 || /\s/.test(raw)) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters without spaces');
  }
  return raw;
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
  const config: AppConfig = {
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
    webhookSecretGraceSeconds: integer(env, 'WEBHOOK_SECRET_GRACE_SECONDS', 24 * 3600, 0, 30 * 24 * 3600),
    authorizeTransactionTtlSeconds: integer(env, 'AUTHORIZE_TRANSACTION_TTL', 15 * 60, 30, 24 * 3600),
    sessionTtlSeconds: integer(env, 'SESSION_TTL', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    sandbox: {
      cpuMs: integer(env, 'SANDBOX_CPU_MS', 1000, 10, 60000),
      memoryBytes: integer(env, 'SANDBOX_MEMORY_MB', 64, 8, 1024) * 1024 * 1024,
      workers: integer(env, 'SANDBOX_WORKERS', DEFAULT_SANDBOX_WORKERS, 1, 16),
      concurrencyPerInstallation: integer(env, 'SANDBOX_CONCURRENCY_PER_INSTALLATION', 2, 1, 16),
      queuePerInstallation: integer(env, 'SANDBOX_QUEUE_PER_INSTALLATION', 16, 1, 10000),
      cpuWindowSeconds: integer(env, 'SANDBOX_CPU_WINDOW_SECONDS', 60, 1, 3600),
      cpuMsPerInstallation: integer(env, 'SANDBOX_CPU_MS_PER_INSTALLATION', 20000, 0, 3600 * 1000 * 16),
      cpuMsPerSmartApp: integer(env, 'SANDBOX_CPU_MS_PER_SMARTAPP', 60000, 0, 3600 * 1000 * 16),
      quarantineAfterKills: integer(env, 'SANDBOX_QUARANTINE_AFTER_KILLS', 3, 1, 1000),
      quarantineSeconds: integer(env, 'SANDBOX_QUARANTINE_SECONDS', 30, 1, 24 * 3600),
      idleReleaseSeconds: integer(env, 'SANDBOX_IDLE_RELEASE_SECONDS', DEFAULT_SANDBOX_MEMORY.idleReleaseMs / 1000, 0, 24 * 3600),
      engineRetainBytes: integer(env, 'SANDBOX_ENGINE_RETAIN_MB', DEFAULT_SANDBOX_MEMORY.engineRetainBytes / 1024 / 1024, 16, 4096) * 1024 * 1024,
      workerHeapMb: integer(env, 'SANDBOX_WORKER_HEAP_MB', DEFAULT_SANDBOX_MEMORY.workerHeapMb, 32, 4096),
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
      heartbeatMs: integer(env, 'INSTANCE_HEARTBEAT_MS', 2000, 100, 60000),
      claimTimeoutMs: integer(env, 'CLAIM_TIMEOUT_MS', 60000, 1000, 3600000),
    },
    rateLimit: {
      calls: integer(env, 'RATE_LIMIT_CALLS', 250, 1, 1000000),
      windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
    },
    clientCacheSeconds: integer(env, 'CLIENT_CACHE_SECONDS', 5, 0, 300),
    dataDir,
    debugEndpoints: boolean(env, 'ENABLE_DEBUG_ENDPOINTS', !production),
    dropSchemaOnStart: false,
    operations: {
      host: parseHost(env.HOST ?? 'localhost'),
      metricsToken: metricsToken(env.METRICS_TOKEN),
      metricsPort: integer(env, 'METRICS_PORT', 0, 0, 65535),
      readyMaxLagMs: integer(env, 'READY_MAX_LAG_MS', 1000, 10, 600000),
    },
    jsonMaxDepth: integer(env, 'JSON_MAX_DEPTH', 64, 2, 1000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 300000),
    resolutionCache: {
      maxEntries: integer(env, 'RESOLUTION_CACHE_MAX', 10000, 0, 1000000),
      maxAgeSeconds: integer(env, 'RESOLUTION_CACHE_SECONDS', 60, 1, 3600),
    },
    oauth1SecretKeys: oauth1SecretKeys(env, production),
  };
  // a claim must outlive the longest single item, or a live instance's work would be taken over
  const longestItem = Math.max(config.events.callbackTimeoutMs, config.sandbox.cpuMs * 2);
  if (config.events.claimTimeoutMs <= longestItem) {
    throw new ConfigError(`CLAIM_TIMEOUT_MS must be more than ${longestItem} (CALLBACK_TIMEOUT_MS and twice SANDBOX_CPU_MS), got "${config.events.claimTimeoutMs}"`);
  }
  return config;
}

function secretKey(name: string, value: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) {
    throw new ConfigError(`${name} must be 32 bytes in base64 (openssl rand -base64 32)`);
  }
  return key;
}

// Without OAUTH1_SECRET_KEY a development instance derives a fixed key; production has none
// (OAuth 1.0a stays off) rather than a guessable one.
function oauth1SecretKeys(env: Env, production: boolean): Buffer[] {
  const old = (env.OAUTH1_OLD_SECRET_KEYS ?? '').split(',').filter((k) => k.trim() !== '').map((k) => secretKey('OAUTH1_OLD_SECRET_KEYS', k));
  if (env.OAUTH1_SECRET_KEY) {
    return [secretKey('OAUTH1_SECRET_KEY', env.OAUTH1_SECRET_KEY), ...old];
  }
  return production ? [] : [createHash('sha256').update('smartapp-platform development OAuth 1.0a key').digest(), ...old];
}

/** The only place the platform reads process.env. */
export function loadConfigFromEnvironment(): AppConfig {
  return loadConfig(process.env);
}

/** The sandbox worker pool's options from the settings (SANDBOX_POOL of the SandboxService). */
export function sandboxPoolSettings(sandbox: SandboxSettings): SandboxPoolSettings {
  return {
    workers: sandbox.workers,
    fairness: {
      ...DEFAULT_FAIRNESS,
      perInstallationConcurrency: sandbox.concurrencyPerInstallation,
      perInstallationQueue: sandbox.queuePerInstallation,
      cpuWindowMs: sandbox.cpuWindowSeconds * 1000,
      installationCpuMsPerWindow: sandbox.cpuMsPerInstallation,
      appCpuMsPerWindow: sandbox.cpuMsPerSmartApp,
      quarantineAfterKills: sandbox.quarantineAfterKills,
      quarantineBaseMs: sandbox.quarantineSeconds * 1000,
    },
    memory: { idleReleaseMs: sandbox.idleReleaseSeconds * 1000, engineRetainBytes: sandbox.engineRetainBytes, workerHeapMb: sandbox.workerHeapMb },
  };
}
