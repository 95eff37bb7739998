import { QueryRunner, TableColumnOptions } from 'typeorm';

// Migrations are written once for SQLite and PostgreSQL; only the timestamp type differs.
export function columnTypes(queryRunner: QueryRunner): { timestamp: string } {
  return { timestamp: queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime' };
}

export function varchar(name: string, length: number): TableColumnOptions {
  return { name, type: 'varchar', length: String(length) };
}

export function id(): TableColumnOptions {
  return { ...varchar('id', 36), isPrimary: true };
}
