/**
 * Coordinator mode: the harness creates its connection profile and table through the
 * coordinator's control API (gRPC `Control`), writes with a `Producer` to the workers that host
 * the table's shards, and drops both at the end. A row is acknowledged when a checkpoint of its
 * shard covered it (`Producer.flush()`), which is what the producer promises its callers.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { Producer } from '../producer/producer.js';
import type { Row } from '../sink/row-encoder.js';
import type { ControlClient } from '../wire/gen/laminar/redis/v1/control.js';
import { connectControl, unary } from '../wire/grpc-clients.js';
import type { BenchCoordinator } from './bench-options.js';
import type { BenchWriter } from './bench-writer.js';
import { BenchCoordinatorError } from './errors.js';

export class ProducerWriter implements BenchWriter {
  #closed = false;

  private constructor(
    readonly producer: Producer,
    readonly control: ControlClient,
    readonly table: string,
    readonly profile: string,
  ) {}

  static async open(
    coordinator: BenchCoordinator,
    profileConfig: Record<string, unknown>,
    tableBody: Record<string, unknown>,
    window: { batchSize: number; inFlight: number },
  ): Promise<ProducerWriter> {
    const control = connectControl({ address: coordinator.address, token: coordinator.token });
    const table = String(tableBody.name);
    const profile = `${table}_profile`;
    try {
      await call('createConnectionProfile', () =>
        unary(control, 'createConnectionProfile', {
          name: profile,
          connector: 'redis',
          config: profileConfig,
        }),
      );
      await call('createConnectionTable', () =>
        unary(control, 'createConnectionTable', {
          name: table,
          connector: 'redis',
          connectionProfileId: profile,
          config: tableBody.config as Record<string, unknown>,
          schema: tableBody.schema as Record<string, unknown> | undefined,
          shards: coordinator.shards,
          sql: '',
        }),
      );
    } catch (err) {
      await dropAll(control, table, profile);
      control.close();
      throw err;
    }
    const producer = new Producer({
      coordinator: coordinator.address,
      table,
      token: coordinator.token,
      batchRows: window.batchSize,
      maxUnackedRows: (window.inFlight + 1) * window.batchSize,
    });
    return new ProducerWriter(producer, control, table, profile);
  }

  write(rows: Row[]): Promise<void> {
    return this.producer.write(rows);
  }

  acked(): Promise<void> {
    return this.producer.flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.producer.close().catch(() => {});
    await dropAll(this.control, this.table, this.profile);
    this.control.close();
  }
}

/** Runs a control call, its failure as a BenchCoordinatorError with the coordinator's words. */
async function call<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Partial<ServiceError>;
    throw new BenchCoordinatorError(name, e.details || e.message || String(err), { cause: err });
  }
}

/** Drops the table and the profile; a failure here leaves them, which is not worth a failed run. */
async function dropAll(control: ControlClient, table: string, profile: string): Promise<void> {
  await unary(control, 'deleteConnectionTable', { id: table }).catch(() => {});
  await unary(control, 'deleteConnectionProfile', { id: profile }).catch(() => {});
}
