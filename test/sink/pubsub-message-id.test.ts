/**
 * A pub/sub table without a schema and with `messageIdField: '_id'`: a row that has an `_id`
 * field of its own would be published as `{"_id":"p0:5","k":"a","_id":"mine",...}`, a JSON
 * object with the key twice, whose last one (the row's) subscribers' JSON.parse keep: the id that
 * lets them drop repeats would be lost. Such a row is a bad row instead. (With a schema, naming a
 * column like the field is refused at config.)
 */
import net from 'node:net';
import { expect, it } from 'vitest';
import { useRedis } from '../support/fixtures.js';
import { recordingLogger, sinkOn, table } from '../support/sink.js';

const redis = useRedis();

it("pub/sub: a row's own field named like messageIdField never hides the message id", async () => {
  const sock = net.connect(redis.server.port, '127.0.0.1');
  let got = '';
  sock.on('data', (d) => {
    got += d.toString('utf8');
  });
  sock.write('*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nch:a\r\n');
  await expect.poll(() => got.includes('subscribe')).toBe(true);
  const { logger } = recordingLogger();
  const s = await sinkOn(
    redis.server.url,
    table(
      { type: 'pubsub', channelPrefix: 'ch:', channelColumn: 'k', messageIdField: '_id' },
      { onError: 'skip' },
    ),
    undefined,
    logger,
  );
  await s.write(
    [
      { k: 'a', _id: 'mine', v: 1 },
      { k: 'a', v: 2 },
    ],
    { partition: 'p0', offsets: [5, 6] },
  );
  await s.close();
  // Either way is right: the row refused as a bad row, or published with one '_id', its position.
  await expect.poll(() => got.split('\r\nmessage\r\n').length - 1).toBe(2 - s.stats.rowsSkipped);
  const messages = got
    .split('\r\nmessage\r\n')
    .slice(1)
    .map((m) => m.split('\r\n')[3]);
  for (const m of messages) {
    expect(m.split('"_id"').length - 1, m).toBe(1);
    expect((JSON.parse(m) as { _id: string })._id).toMatch(/^p0:[56]$/);
  }
  sock.destroy();
});
