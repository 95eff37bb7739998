import type { EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

const PENDING = 'events.workPending';

/**
 * Marks a transaction as having written events work (outbox rows, jobs, callbacks), so the worker
 * is woken right after it commits instead of at its next poll. Outside a transaction: at once.
 */
export function markWorkPending(tx: EntityManager, wake: () => void): void {
  const runner = tx.queryRunner;
  if (!runner || !runner.isTransactionActive) {
    wake();
    return;
  }
  runner.data[PENDING] = true;
}

/** A TypeORM subscriber that calls `wake` after the outermost commit of a marked transaction. */
export function commitSignal(wake: () => void): EntitySubscriberInterface {
  const take = (event: TransactionCommitEvent | TransactionRollbackEvent): boolean => {
    const data = event.queryRunner.data as Record<string, unknown>;
    // SQLite reuses one query runner, and a savepoint release also reports a commit
    if (event.queryRunner.isTransactionActive || data[PENDING] !== true) {
      return false;
    }
    delete data[PENDING];
    return true;
  };
  return {
    afterTransactionCommit(event: TransactionCommitEvent): void {
      if (take(event)) {
        wake();
      }
    },
    afterTransactionRollback(event: TransactionRollbackEvent): void {
      take(event);
    },
  };
}
