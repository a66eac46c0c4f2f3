/**
 * What an embedding program does with the library, in one function that imports nothing at run
 * time: the library comes in as `lib`, so the same code runs in the test process (against
 * `src/`) and in a child process (against the transpiled build). Writes a skipped bad row, fails
 * a sink on a bad row, starts a runtime, writes through a producer and fails a second producer.
 */
import type * as Laminar from '../../src/index.js';
import type { LaminarLogger } from '../../src/log.js';

export interface EmbeddingResult {
  skipped: number;
  badRowCode: string | undefined;
  acked: number;
  producerFailure: string | undefined;
}

export async function embeddingScenario(
  lib: typeof Laminar,
  o: { redisUrl: string; dataDir: string; logger?: LaminarLogger },
): Promise<EmbeddingResult> {
  const logged = o.logger === undefined ? {} : { logger: o.logger };
  const profile = { name: 'p', connector: 'redis', config: { connection: { address: o.redisUrl } } };
  const bodies = (name: string, onError: string) => ({
    profile,
    table: {
      name,
      connector: 'redis',
      config: { connectorType: { target: { keyPrefix: `${name}:`, keyColumn: 'id' } }, sink: { onError } },
    },
  });

  const skip = await lib.createSink(bodies('q_skip', 'skip'), logged);
  await skip.write([{ id: 1 }, { v: 'no id' }]);
  await skip.close();

  const fail = await lib.createSink(bodies('q_fail', 'fail'), logged);
  let badRowCode: string | undefined;
  try {
    await fail.write([{ v: 'no id' }]);
    await fail.flush();
  } catch (err) {
    badRowCode = (err as { code?: string }).code;
  }
  await fail.close().catch(() => {});

  const rt = await lib.startRuntime({ dataDir: o.dataDir, grpcPort: 0, httpPort: 0, ...logged });
  let acked = 0;
  let producerFailure: string | undefined;
  try {
    await rt.coordinator.plane.createProfile({ name: 'p', connector: 'redis', config: profile.config });
    await rt.coordinator.plane.createTable({
      name: 'q_rt',
      connector: 'redis',
      connectionProfileId: 'p',
      config: { connectorType: { target: { keyPrefix: 'q_rt:', keyColumn: 'id' } } },
      shards: 2,
    });
    const p = new lib.Producer({ coordinator: rt.grpcAddress, table: 'q_rt', ...logged });
    try {
      await p.write([{ id: 1 }, { id: 2 }, { id: 3 }]);
      await p.flush();
      acked = p.stats().rowsAcked;
    } finally {
      await p.close();
    }
    const nowhere = new lib.Producer({ coordinator: rt.grpcAddress, table: 'nope', ...logged });
    try {
      await nowhere.write([{ id: 1 }]);
    } catch (err) {
      producerFailure = (err as { reason?: string }).reason;
    }
    await nowhere.close().catch(() => {});
  } finally {
    await rt.stop();
  }
  return { skipped: skip.stats.rowsSkipped, badRowCode, acked, producerFailure };
}
