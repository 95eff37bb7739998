import * as sqlite3 from 'sqlite3';

/**
 * The sqlite3 module as TypeORM's `driver` option, with `verbose()` a no-op. TypeORM calls
 * `verbose()` on the driver it loads, which makes node-sqlite3 wrap every statement call to capture
 * a stack and `util.inspect` its SQL and parameters, for longer error traces: under the install-URL
 * load that was a third of the main thread's SQLite time. Errors still carry the statement's message.
 */
export const SQLITE3_UNTRACED: object = { ...sqlite3, verbose: (): object => SQLITE3_UNTRACED };
