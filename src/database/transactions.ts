import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

// Every multi-row change goes through here. SQLite has one connection, on which two
// interleaved transactions would corrupt each other, so there they queue; PostgreSQL
// runs them concurrently on pooled connections.
@Injectable()
export class Transactions {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isPostgres) {
      return this.dataSource.transaction(work);
    }
    const result = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Work that reads and writes outside a transaction but must not interleave with one (SQLite). */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }
}
