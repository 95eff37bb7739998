import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SandboxService } from '../sandbox/sandbox.service';
import { EventLoopLag } from './event-loop-lag';

const CHECK_TIMEOUT_MS = 5000;

// the smallest SmartApp module: evaluating it proves a worker is alive and QuickJS answers
const PROBE_SOURCE = 'export default { definition: { name: "readiness probe" } };';

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The checks behind /readyz; each names itself in the reply when it fails. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly sandbox: SandboxService,
    private readonly lag: EventLoopLag,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async database(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('database');
    try {
      await within(CHECK_TIMEOUT_MS, 'the database', this.dataSource.query('SELECT 1'));
      return check.up({ type: this.config.database.type });
    } catch (err) {
      return check.down({ message: reason(err) });
    }
  }

  async migrations(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('migrations');
    try {
      const pending = await within(CHECK_TIMEOUT_MS, 'the migrations table', this.pendingMigrations());
      return pending.length === 0 ? check.up() : check.down({ message: `${pending.length} migration(s) not run`, pending });
    } catch (err) {
      return check.down({ message: reason(err) });
    }
  }

  async sandboxPool(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('sandbox');
    try {
      const result = await within(CHECK_TIMEOUT_MS, 'the sandbox pool', this.sandbox.inspect(PROBE_SOURCE));
      return result.ok ? check.up() : check.down({ message: result.errors.map((e) => e.message).join('; ') });
    } catch (err) {
      return check.down({ message: reason(err) });
    }
  }

  eventLoop(): HealthIndicatorResult {
    const check = this.indicators.check('eventLoop');
    const lagMs = Math.round(this.lag.maxMs());
    const boundMs = this.config.operations.readyMaxLagMs;
    return lagMs <= boundMs ? check.up({ lagMs, boundMs }) : check.down({ message: `the event loop lagged ${lagMs} ms (bound ${boundMs} ms)`, lagMs, boundMs });
  }

  private async pendingMigrations(): Promise<string[]> {
    if (!this.dataSource.isInitialized) {
      throw new Error('the database connection is closed');
    }
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    const rows: { name: string }[] = await this.dataSource.query(`SELECT name FROM ${table}`);
    const done = new Set(rows.map((r) => r.name));
    return this.dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !done.has(name));
  }
}
