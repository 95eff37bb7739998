import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ConnectionGate } from './connection-gate';

/** An INSERT, UPDATE or DELETE was issued outside `Transactions.run` (a programming error). */
export class WriteOutsideTransactionError extends Error {
  constructor(sql: string) {
    super(`write outside Transactions.run: ${sql.slice(0, 80)}`);
    this.name = 'WriteOutsideTransactionError';
  }
}

/** `Transactions.run` called inside another run (it would wait for itself on SQLite). */
export class NestedTransactionError extends Error {
  constructor() {
    super('Transactions.run called inside a running transaction: pass its manager down instead');
    this.name = 'NestedTransactionError';
  }
}

interface Scope {
  kind: 'write' | 'read';
  /** false once the run is over: promises it left behind no longer count as inside it */
  active: boolean;
  manager: EntityManager | null;
  runner: QueryRunner | null;
}

const WRITE_SQL = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
const GUARDED = Symbol('guardedQueryRunner');

/**
 * The one way to the database for writes. `run` is a transaction: on SQLite it holds the
 * connection gate (one transaction at a time, first come first served, nothing else can write in
 * between); on PostgreSQL it has a pooled connection of its own. `read` is for reads that must
 * not interleave with a transaction on SQLite. Any INSERT/UPDATE/DELETE issued outside `run` (or
 * on a connection other than the run's) throws `WriteOutsideTransactionError`.
 */
@Injectable()
export class Transactions implements OnModuleInit {
  private readonly logger = new Logger(Transactions.name);
  private readonly gate = new ConnectionGate();
  private readonly scope = new AsyncLocalStorage<Scope>();
  private guardInstalled = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  onModuleInit(): void {
    this.installWriteGuard();
  }

  /** True inside a `run` (e.g. to assert that a helper got its caller's manager). */
  get inTransaction(): boolean {
    const scope = this.scope.getStore();
    return scope?.active === true && scope.kind === 'write';
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.scope.getStore()?.active) {
      throw new NestedTransactionError();
    }
    const scope: Scope = { kind: 'write', active: true, manager: null, runner: null };
    const transaction = () =>
      this.scope.run(scope, () =>
        this.dataSource.transaction(async (manager) => {
          scope.manager = manager;
          scope.runner = manager.queryRunner ?? null;
          try {
            return await work(manager);
          } finally {
            // the commit (or rollback) and its subscribers (e.g. the events worker's wake-up, which
            // may start a run of its own) are no longer inside this run
            scope.active = false;
          }
        }),
      );
    try {
      return this.isPostgres ? await transaction() : await this.gate.hold(transaction);
    } finally {
      scope.active = false;
    }
  }

  /** Reads that must see a consistent database: queued behind running transactions on SQLite. */
  async read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.scope.getStore();
    if (current?.active && current.manager) {
      return work(current.manager);
    }
    const scope: Scope = { kind: 'read', active: true, manager: this.dataSource.manager, runner: null };
    const reading = () => this.scope.run(scope, () => work(this.dataSource.manager));
    try {
      return this.isPostgres ? await reading() : await this.gate.holdShared(reading);
    } finally {
      scope.active = false;
    }
  }

  /** Wraps every query runner so that a write outside `run` fails loudly instead of landing in someone else's transaction. */
  private installWriteGuard(): void {
    if (this.guardInstalled) {
      return;
    }
    this.guardInstalled = true;
    const driver = this.dataSource.driver;
    const create = driver.createQueryRunner.bind(driver);
    driver.createQueryRunner = (mode) => this.guard(create(mode));
  }

  private guard(runner: QueryRunner): QueryRunner {
    const marked = runner as QueryRunner & { [GUARDED]?: true };
    if (marked[GUARDED]) {
      return runner;
    }
    marked[GUARDED] = true;
    const query: QueryRunner['query'] = runner.query.bind(runner);
    const check = (sql: string): void => {
      if (!WRITE_SQL.test(sql)) {
        return;
      }
      const scope = this.scope.getStore();
      if (!scope?.active || scope.kind !== 'write' || scope.runner !== runner) {
        const error = new WriteOutsideTransactionError(sql);
        this.logger.error(error.message);
        throw error;
      }
    };
    runner.query = ((sql: string, parameters?: unknown[], useStructuredResult?: boolean) => {
      check(sql);
      return useStructuredResult ? query(sql, parameters, true) : query(sql, parameters);
    }) as QueryRunner['query'];
    return runner;
  }
}
