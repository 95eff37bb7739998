import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createServer, Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { CallbacksService } from '../events/callbacks.service';
import { SandboxService } from '../sandbox/sandbox.service';

interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

function isPgPool(value: unknown): value is PgPoolLike {
  return typeof value === 'object' && value !== null && typeof (value as PgPoolLike).totalCount === 'number' && typeof (value as PgPoolLike).idleCount === 'number';
}

/** The route a request matched, as declared (`/api/smartapps/installations/:installationId/{*path}`), never the raw path. */
function routeOf(req: Request): string {
  const route: unknown = (req as unknown as { route?: unknown }).route;
  const path = typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  if (typeof path === 'string') {
    return `${req.baseUrl}${path}`;
  }
  return req.path.startsWith('/static/') ? '/static/*' : 'unmatched';
}

/**
 * The platform's Prometheus metrics, one registry per app (tests start several in one process).
 * HTTP timings come from a middleware; the sandbox and callbacks report through their observers;
 * outbox lag and the database pool are read when scraped.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by matched route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused with 429 (installation URL rate limit, log-in attempts), by route',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  private readonly handlerRuns = new Counter({
    name: 'sandbox_handler_runs_total',
    help: 'SmartApp handler runs by outcome (ok, timeout, memory, exception, invalid_result)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly handlerTimeouts = new Counter({ name: 'sandbox_handler_timeouts_total', help: 'Handler runs stopped at their CPU deadline', registers: [this.registry] });
  private readonly memoryKills = new Counter({ name: 'sandbox_memory_kills_total', help: 'Handler runs stopped at their memory limit', registers: [this.registry] });
  private readonly handlerSeconds = new Histogram({
    name: 'sandbox_handler_seconds',
    help: 'Time of a handler run in the sandbox pool, queue wait included (bounded by SANDBOX_CPU_MS)',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly callbackAttempts = new Counter({
    name: 'callback_attempts_total',
    help: 'Outgoing callback (ctx.httpPostJson) attempts by result (delivered, failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private metricsServer: Server | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly sandbox: SandboxService,
    private readonly callbacks: CallbacksService,
  ) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'sandbox_queue_depth',
      help: 'Sandbox calls waiting for a free worker',
      registers: [this.registry],
      collect() {
        this.set(sandbox.queueDepth());
      },
    });
    this.gauges();
    for (const result of ['delivered', 'failed']) {
      this.callbackAttempts.inc({ result }, 0);
    }
    for (const outcome of ['ok', 'timeout', 'memory', 'exception', 'invalid_result']) {
      this.handlerRuns.inc({ outcome }, 0);
    }
    sandbox.observeRuns((run) => {
      this.handlerRuns.inc({ outcome: run.outcome });
      this.handlerSeconds.observe(run.seconds);
      if (run.outcome === 'timeout') {
        this.handlerTimeouts.inc();
      } else if (run.outcome === 'memory') {
        this.memoryKills.inc();
      }
    });
    callbacks.observeAttempts((result) => this.callbackAttempts.inc({ result }));
  }

  /** Times every request; counts 429s. Installed right after the request logger. */
  httpMiddleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const end = this.httpDuration.startTimer();
      // one listener: 'close' follows 'finish'; a response whose client went away is not timed
      res.once('close', () => {
        if (!res.writableFinished) {
          return;
        }
        const route = routeOf(req);
        end({ method: req.method, route, status: String(res.statusCode) });
        if (res.statusCode === 429) {
          this.rateLimited.inc({ route });
        }
      });
      next();
    };
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.operations.metricsPort;
    if (port === 0) {
      return;
    }
    // a port for the scraper only (keep it off the public network): no token asked there
    this.metricsServer = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
        return;
      }
      this.render().then(
        ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
      );
    });
    const server = this.metricsServer;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.operations.host, () => resolve());
    });
    this.logger.log(`Metrics for Prometheus on http://${this.config.operations.host}:${port}/metrics`);
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.metricsServer;
    this.metricsServer = undefined;
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private gauges(): void {
    const dataSource = this.dataSource;
    const registry = this.registry;
    const oldestAge = async (table: string): Promise<{ pending: number; lagSeconds: number }> => {
      const rows: { n: number | string; oldest: string | Date | null }[] = await dataSource.query(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM ${table}`);
      const row = rows[0];
      const pending = Number(row?.n ?? 0);
      if (!row?.oldest || pending === 0) {
        return { pending, lagSeconds: 0 };
      }
      const oldest = row.oldest instanceof Date ? row.oldest : new Date(/Z|[+-]\d\d(:?\d\d)?$/.test(row.oldest) ? row.oldest : `${row.oldest.replace(' ', 'T')}Z`);
      return { pending, lagSeconds: Math.max(0, (Date.now() - oldest.getTime()) / 1000) };
    };
    const safely = async (work: () => Promise<void>): Promise<void> => {
      try {
        if (dataSource.isInitialized) {
          await work();
        }
      } catch (err) {
        this.logger.warn(`a database metric could not be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    new Gauge({
      name: 'events_outbox_pending',
      help: 'Event deliveries waiting in the outbox',
      registers: [registry],
      async collect() {
        await safely(async () => this.set((await oldestAge('event_deliveries')).pending));
      },
    });
    new Gauge({
      name: 'events_outbox_lag_seconds',
      help: 'Age of the oldest event delivery still in the outbox (0 when empty)',
      registers: [registry],
      async collect() {
        await safely(async () => this.set((await oldestAge('event_deliveries')).lagSeconds));
      },
    });
    new Gauge({
      name: 'callbacks_pending',
      help: 'Outgoing callbacks waiting to be sent or retried',
      registers: [registry],
      async collect() {
        await safely(async () => this.set((await oldestAge('callback_deliveries')).pending));
      },
    });
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections by state (total, idle, waiting); SQLite has one connection',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const driver = dataSource.isInitialized ? (dataSource.driver as unknown as { master?: unknown }) : undefined;
        const pool = driver?.master;
        if (isPgPool(pool)) {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        } else {
          this.set({ state: 'total' }, dataSource.isInitialized ? 1 : 0);
          this.set({ state: 'idle' }, 0);
          this.set({ state: 'waiting' }, 0);
        }
      },
    });
  }
}
