import { createServer } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { ProducerOptionsError } from '../../src/producer/producer-errors.js';
import { coordinatorAddresses } from '../../src/producer/producer-options.js';
import { type RuntimeFixture, runtimeFixture } from '../support/runtime.js';

/**
 * A producer given several coordinator addresses: it asks them in turn and keeps to the one that
 * answers (the leader; a standby serves no gRPC), so addresses of coordinators that are down or
 * waiting do not stop it.
 */

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('producer — coordinator addresses', () => {
  it('takes an array or a comma-separated list, blanks trimmed, duplicates once', () => {
    expect(coordinatorAddresses('a:1')).toEqual(['a:1']);
    expect(coordinatorAddresses(' a:1 , b:2,a:1')).toEqual(['a:1', 'b:2']);
    expect(coordinatorAddresses(['a:1', 'b:2'])).toEqual(['a:1', 'b:2']);
  });

  it('refuses an empty list, an empty address or a non-string', () => {
    for (const bad of ['', 'a:1,', [], ['a:1', ''], 7, undefined, [3]]) {
      expect(() => coordinatorAddresses(bad)).toThrow(ProducerOptionsError);
    }
  });

  it('keeps every address of any list, in order', () => {
    const address = fc.stringMatching(/^[a-z0-9.]{1,12}:[0-9]{1,5}$/);
    fc.assert(
      fc.property(fc.uniqueArray(address, { minLength: 1, maxLength: 5 }), (list) => {
        expect(coordinatorAddresses(list.join(','))).toEqual(list);
        expect(coordinatorAddresses(list)).toEqual(list);
      }),
    );
  });
});

describe('producer — following the coordinator that answers', () => {
  let f: RuntimeFixture | undefined;

  beforeAll(async () => {
    f = await runtimeFixture({
      workers: 1,
      tables: {
        leader_rows: {
          config: {
            connectorType: { target: { listPrefix: 'lead:', listKeyColumn: 'g', operation: 'Append' } },
          },
          shards: 2,
        },
      },
    });
  });

  afterAll(() => f?.stop());

  it('writes through the live coordinator when the addresses before it are down', async () => {
    const { rt, client } = f!;
    const dead = [`127.0.0.1:${await closedPort()}`, `127.0.0.1:${await closedPort()}`];
    const p = new Producer({
      coordinator: [...dead, rt.grpcAddress].join(','),
      table: 'leader_rows',
      batchRows: 50,
    });
    try {
      const rows = Array.from({ length: 300 }, (_, i) => ({ g: `g${i % 3}`, i }));
      await p.write(rows);
      await p.flush();
    } finally {
      await p.close();
    }
    let total = 0;
    for (let g = 0; g < 3; g++) total += Number(await client.send(['LLEN', `lead:g${g}`]));
    expect(total).toBe(300);
  });
});
