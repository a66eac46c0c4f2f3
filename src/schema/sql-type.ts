/** The column types a table schema may declare, and a column of one. */

/** Column types of a table schema. */
export type SqlType = 'TEXT' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' | 'JSON' | 'BYTEA';

export interface Column {
  name: string;
  type: SqlType;
  /** Default true. */
  nullable: boolean;
}
