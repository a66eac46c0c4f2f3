/**
 * The benchmark's table as a `POST /v1/connection_tables` body (the Laminar Redis connector
 * documentation's form): one body, handed to `createSink()` in embedded mode and to the
 * coordinator's `CreateConnectionTable` in coordinator mode, so both write the same table.
 */

import type { Column } from '../schema/sql-type.js';
import type { BenchTarget } from './bench-report.js';
import type { RowLayout } from './bench-rows.js';

/** What the table is made of. */
export interface BenchTableSpec {
  name: string;
  target: BenchTarget;
  keyPrefix: string;
  layout: RowLayout;
  columns: Column[] | undefined;
  exactlyOnce: boolean;
  batchSize: number;
  inFlight: number;
}

/** The table's name for a run (`bench_<run id>`, dashes as underscores: a SQL identifier). */
export const tableNameOf = (runId: string): string => `bench_${runId.replace(/-/g, '_')}`;

/** The `target` object of the body. */
export function targetOf(target: BenchTarget, prefix: string, l: RowLayout): Record<string, unknown> {
  switch (target) {
    case 'string':
      return { type: 'string', keyPrefix: prefix, keyColumn: l.key };
    case 'list':
      return { type: 'list', listPrefix: prefix, listKeyColumn: l.key, operation: 'Append' };
    case 'hash':
      return { type: 'hash', hashKeyPrefix: prefix, hashKeyColumn: l.key, hashFieldColumn: l.id };
    case 'hash_columns':
      return { type: 'hash', hashKeyPrefix: prefix, hashKeyColumn: l.key, hashLayout: 'columns' };
    case 'set':
      return { type: 'set', setPrefix: prefix, setKeyColumn: l.key, memberColumn: l.id };
    case 'sorted_set':
      return {
        type: 'sorted_set',
        sortedSetPrefix: prefix,
        sortedSetKeyColumn: l.key,
        memberColumn: l.id,
        scoreColumn: l.number,
      };
    case 'counter':
      return { type: 'counter', counterPrefix: prefix, counterKeyColumn: l.key, incrementColumn: l.number };
    case 'hash_counter':
      return {
        type: 'hash_counter',
        hashCounterPrefix: prefix,
        hashCounterKeyColumn: l.key,
        hashCounterFieldColumn: l.group,
        incrementColumn: l.number,
      };
    case 'stream':
      return { type: 'stream', streamPrefix: prefix, streamKeyColumn: l.key };
    case 'pubsub':
      return { type: 'pubsub', channelPrefix: prefix, channelColumn: l.key };
  }
}

/** The table body (`connectionProfileId` is filled in by coordinator mode). */
export function tableBody(spec: BenchTableSpec): Record<string, unknown> {
  return {
    name: spec.name,
    connector: 'redis',
    config: {
      connectorType: { target: targetOf(spec.target, spec.keyPrefix, spec.layout) },
      format: 'json',
      sink: {
        batchSize: spec.batchSize,
        delivery: spec.exactlyOnce ? 'exactly_once' : 'at_least_once',
        maxPipelinesInFlight: Math.min(spec.inFlight, 64),
      },
    },
    ...(spec.columns === undefined
      ? {}
      : {
          schema: {
            fields: spec.columns.map((c) => ({ name: c.name, data_type: c.type, nullable: c.nullable })),
          },
        }),
  };
}
