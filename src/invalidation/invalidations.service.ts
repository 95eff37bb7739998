import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Invalidation, InvalidationListener, parseInvalidation } from './invalidation';

export const INVALIDATION_CHANNEL = 'platform_invalidate';
const PENDING = 'invalidations.pending';
const RECONNECT_MS = 1000;

interface PgNotification {
  channel: string;
  payload?: string;
}

/** The part of node-postgres' Client used here (the library TypeORM already loaded). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}
type PgClientConstructor = new (config: { connectionString: string }) => PgClient;

/**
 * The invalidation bus of the in-memory caches. A change is delivered in this process at once and
 * again after its transaction commits (so a cache fill that read the old rows meanwhile is dropped
 * too); on PostgreSQL it also goes to every instance by NOTIFY, sent inside the transaction so it
 * is delivered when (and only if) the change commits. While this instance's LISTEN connection is
 * down, `trusted` is false and the caches are bypassed; on reconnect everything is forgotten.
 */
@Injectable()
export class Invalidations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(Invalidations.name);
  private readonly listeners: InvalidationListener[] = [];
  private client: PgClient | null = null;
  private listening = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get postgresUrl(): string | null {
    return this.config.database.type === 'postgres' ? this.config.database.url : null;
  }

  /** False while invalidations from other instances could be missed: caches must not answer from memory. */
  get trusted(): boolean {
    return this.postgresUrl === null || this.listening;
  }

  async onModuleInit(): Promise<void> {
    this.dataSource.subscribers.push(this.afterCommit());
    if (this.postgresUrl !== null) {
      await this.listen();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
    }
    const client = this.client;
    this.client = null;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  subscribe(listener: InvalidationListener): void {
    this.listeners.push(listener);
  }

  /** Announces a change written (or about to be written) with `manager`. */
  async publish(manager: EntityManager, change: Invalidation): Promise<void> {
    this.deliver(change);
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) {
      const data = runner.data as Record<string, unknown>;
      const pending = (data[PENDING] as Invalidation[] | undefined) ?? [];
      pending.push(change);
      data[PENDING] = pending;
    }
    if (this.postgresUrl !== null) {
      await manager.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, JSON.stringify(change)]);
    }
  }

  private deliver(change: Invalidation | 'all'): void {
    for (const listener of this.listeners) {
      listener(change);
    }
  }

  private afterCommit(): EntitySubscriberInterface {
    const take = (event: TransactionCommitEvent | TransactionRollbackEvent): Invalidation[] => {
      const data = event.queryRunner.data as Record<string, unknown>;
      // SQLite reuses one query runner, and a savepoint release also reports a commit
      if (event.queryRunner.isTransactionActive || !Array.isArray(data[PENDING])) {
        return [];
      }
      const pending = data[PENDING] as Invalidation[];
      delete data[PENDING];
      return pending;
    };
    return {
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        for (const change of take(event)) {
          this.deliver(change);
        }
      },
      afterTransactionRollback: (event: TransactionRollbackEvent) => {
        take(event);
      },
    };
  }

  private async listen(): Promise<void> {
    const url = this.postgresUrl;
    if (url === null || this.stopped) {
      return;
    }
    const Client = (this.dataSource.driver as unknown as { postgres: { Client: PgClientConstructor } }).postgres.Client;
    const client = new Client({ connectionString: url });
    client.on('notification', (message) => {
      if (message.channel === INVALIDATION_CHANNEL && client === this.client) {
        const change = parseInvalidation(message.payload);
        if (change) {
          this.deliver(change);
        }
      }
    });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (error) {
      this.logger.warn(`cannot listen for invalidations: ${(error as Error).message}; caches bypassed until it can`);
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.listening = true;
    // whatever was announced while nobody listened is unknown
    this.deliver('all');
  }

  private lost(client: PgClient, why: string): void {
    if (client !== this.client) {
      return;
    }
    this.client = null;
    this.listening = false;
    this.deliver('all');
    if (!this.stopped) {
      this.logger.warn(`invalidation listener lost (${why}); caches bypassed, reconnecting`);
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) {
      return;
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.listen();
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
