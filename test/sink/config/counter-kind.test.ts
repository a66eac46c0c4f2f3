/**
 * A counter whose increment column is declared DOUBLE but whose table states
 * `counterKind: 'integer'` must stay an integer counter when its model is validated again
 * (`validateTable`, as a worker does with a job spec's table): the kind is kept in the model,
 * never inferred a second time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  defineTable,
  loadSqlParser,
  parseCreateTableSync,
  validateTable,
} from '../../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

describe('counter kind — an integer counter over a DOUBLE column stays integer when validated again', () => {
  it('SQL: validateTable of the model is the model', () => {
    const t = parseCreateTableSync(`CREATE TABLE c (k TEXT, n DOUBLE) WITH (connector = 'redis',
      address = 'redis://127.0.0.1:6379', type = 'sink', 'sink.type' = 'counter',
      'sink.counter_prefix' = 'c:', 'sink.counter_key_column' = 'k', 'sink.increment_column' = 'n',
      'sink.counter_kind' = 'integer')`);
    expect(validateTable(t)).toEqual(t);
    expect(validateTable(t).target).not.toMatchObject({ counterKind: 'float' });
  });

  it('TypeScript: a hash counter stated integer over a DOUBLE column keeps its kind', () => {
    const t = defineTable({
      name: 'hc',
      profile: { name: 'p', connection: { kind: 'standalone', address: 'redis://127.0.0.1:6379' } },
      target: {
        type: 'hash_counter',
        hashCounterPrefix: 'h:',
        hashCounterFieldColumn: 'f',
        incrementColumn: 'n',
        counterKind: 'integer',
      },
      schema: [
        { name: 'f', type: 'TEXT' },
        { name: 'n', type: 'DOUBLE' },
      ],
    });
    expect(validateTable(t)).toEqual(t);
  });
});
