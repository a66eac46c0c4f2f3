/**
 * Delete events: an `upsert` table of an append-only target with `deleteEvents` writes each
 * retraction as a row marked `__op` — a field first in a JSON message (Pub/Sub, with its message
 * id before it), one more field of a Stream's `columns` layout — and its inserts unmarked.
 */
import net from 'node:net';
import { expect, it } from 'vitest';
import type { Reply } from '../../src/resp/reply.js';
import { ROW_DELETE, ROW_INSERT, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE } from '../../src/sink/changelog.js';
import { validateTable } from '../../src/sink/config/index.js';
import { useRedis } from '../support/fixtures.js';
import { sinkOn, table } from '../support/sink.js';

const redis = useRedis();

it('changelog delete events — a pub/sub message of a retraction carries "__op" after its message id', async () => {
  const sock = net.connect(redis.server.port, '127.0.0.1');
  let got = '';
  sock.on('data', (d) => {
    got += d.toString('utf8');
  });
  sock.write('*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nev:ch\r\n');
  await expect.poll(() => got.includes('subscribe')).toBe(true);
  const model = validateTable(
    table(
      { type: 'pubsub', channelPrefix: 'ev:', channelColumn: 'k', messageIdField: '_id' },
      { mode: 'upsert', deleteEvents: true },
    ),
  );
  const s = await sinkOn(redis.server.url, model);
  await s.write(
    [
      { k: 'ch', v: 1 },
      { k: 'ch', v: 1 },
      { k: 'ch', v: 2 },
      { k: 'ch', v: 2 },
    ],
    {
      partition: 'p0',
      offsets: [1, 2, 3, 4],
      kinds: [ROW_INSERT, ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER, ROW_DELETE],
    },
  );
  await s.close();
  await expect.poll(() => got.split('\r\nmessage\r\n').length - 1).toBe(4);
  const messages = got
    .split('\r\nmessage\r\n')
    .slice(1)
    .map((m) => m.split('\r\n')[3]);
  expect(messages).toEqual([
    '{"_id":"p0:1","k":"ch","v":1}',
    '{"_id":"p0:2","__op":"-U","k":"ch","v":1}',
    '{"_id":"p0:3","k":"ch","v":2}',
    '{"_id":"p0:4","__op":"-D","k":"ch","v":2}',
  ]);
  sock.destroy();
});

it('changelog delete events — a stream of the columns layout gets an "__op" field on retractions only', async () => {
  const model = validateTable(
    table(
      { type: 'stream', streamPrefix: 'evs:', streamKeyColumn: 'k', streamLayout: 'columns' },
      { mode: 'upsert', deleteEvents: true, delivery: 'at_least_once' },
    ),
  );
  const s = await sinkOn(redis.server.url, model);
  await s.write(
    [
      { k: 'a', v: 1 },
      { k: 'a', v: 1 },
    ],
    { kinds: [ROW_INSERT, ROW_DELETE] },
  );
  await s.close();
  const entries = (await redis.client.send(['XRANGE', 'evs:a', '-', '+'])) as Reply[];
  const fields = entries.map((e) => ((e as Reply[])[1] as Reply[]).map(String));
  expect(fields).toEqual([
    ['v', '1'],
    ['__op', '-D', 'v', '1'],
  ]);
});
