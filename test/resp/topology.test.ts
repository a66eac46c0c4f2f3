import { describe, expect, it } from 'vitest';
import { SlotMap } from '../../src/resp/cluster/slot-map.js';
import { parseClusterShards, parseClusterSlots } from '../../src/resp/cluster/topology.js';
import type { Reply } from '../../src/resp/reply.js';

const node = (fields: Record<string, Reply>): Map<Reply, Reply> => new Map(Object.entries(fields));

describe('cluster topology', () => {
  it('topology — CLUSTER SHARDS: masters, replicas, failed nodes left out, slot ranges', () => {
    const reply: Reply = [
      node({
        slots: [0, 99, 200, 299],
        nodes: [
          node({
            id: 'm1',
            port: 7000,
            ip: '10.0.0.1',
            endpoint: '10.0.0.1',
            role: 'master',
            health: 'online',
          }),
          node({
            id: 'r1',
            port: 7003,
            ip: '10.0.0.4',
            endpoint: '10.0.0.4',
            role: 'replica',
            health: 'online',
          }),
          node({
            id: 'r2',
            port: 7004,
            ip: '10.0.0.5',
            endpoint: '10.0.0.5',
            role: 'replica',
            health: 'fail',
          }),
        ],
      }),
    ];
    const ranges = parseClusterShards(reply, '127.0.0.1', undefined, false);
    expect(ranges.map((r) => [r.from, r.to, r.master.host, r.master.port])).toEqual([
      [0, 99, '10.0.0.1', 7000],
      [200, 299, '10.0.0.1', 7000],
    ]);
    expect(ranges[0].replicas.map((r) => r.id)).toEqual(['r1']);
  });

  it('topology — null and "" endpoints mean the host that was asked; "?" falls back to the IP or drops the node', () => {
    const shard = (endpoint: Reply, ip: Reply) =>
      node({
        slots: [0, 10],
        nodes: [node({ id: 'm', port: 7000, ip, endpoint, role: 'master', health: 'online' })],
      });
    expect(parseClusterShards([shard(null, '')], 'seed.local', undefined, false)[0].master.host).toBe(
      'seed.local',
    );
    expect(parseClusterShards([shard('', '')], 'seed.local', undefined, false)[0].master.host).toBe(
      'seed.local',
    );
    expect(parseClusterShards([shard('?', '10.1.1.1')], 'seed.local', undefined, false)[0].master.host).toBe(
      '10.1.1.1',
    );
    expect(parseClusterShards([shard('?', '')], 'seed.local', undefined, false)).toEqual([]);
  });

  it('topology — TLS clusters use tls-port', () => {
    const reply: Reply = [
      node({
        slots: [0, 1],
        nodes: [node({ id: 'm', port: 0, 'tls-port': 7443, endpoint: 'h', role: 'master' })],
      }),
    ];
    expect(parseClusterShards(reply, 'x', undefined, true)[0].master.port).toBe(7443);
  });

  it('topology — the NAT map applies to every announced address (object or function)', () => {
    const reply: Reply = [
      node({ slots: [0, 5], nodes: [node({ id: 'm', port: 6379, endpoint: '172.17.0.2', role: 'master' })] }),
    ];
    const mapped = parseClusterShards(
      reply,
      'x',
      { '172.17.0.2:6379': { host: '127.0.0.1', port: 30001 } },
      false,
    );
    expect(mapped[0].master).toMatchObject({ host: '127.0.0.1', port: 30001 });
    const fn = parseClusterShards(reply, 'x', (a) => ({ host: 'nat', port: a.port + 1 }), false);
    expect(fn[0].master).toMatchObject({ host: 'nat', port: 6380 });
  });

  it('topology — CLUSTER SLOTS fallback with null, "" and "?" endpoints', () => {
    const reply: Reply = [
      [0, 5460, ['', 7000, 'a'], ['10.0.0.9', 7003, 'b']],
      [5461, 10922, [null, 7001, 'c']],
      [10923, 16383, ['?', 7002, 'd', new Map<Reply, Reply>([['ip', '10.0.0.3']])]],
      [16000, 16001, ['?', 7009, 'e']],
    ];
    const ranges = parseClusterSlots(reply, 'seed', undefined);
    expect(ranges.map((r) => `${r.from}-${r.to}@${r.master.host}:${r.master.port}`)).toEqual([
      '0-5460@seed:7000',
      '5461-10922@seed:7001',
      '10923-16383@10.0.0.3:7002',
    ]);
    expect(ranges[0].replicas[0]).toMatchObject({ host: '10.0.0.9', port: 7003, role: 'replica' });
  });

  it('slot map — built from ranges, patched by MOVED, uncovered slots counted', () => {
    const m = { host: 'a', port: 1, id: 'a', role: 'master' as const };
    const map = SlotMap.fromRanges([{ from: 0, to: 16000, master: m, replicas: [] }]);
    expect(map.uncovered()).toBe(383);
    expect(map.owners[100]).toBe('a:1');
    expect(map.assign(100, { host: '::1', port: 2 })).toBe('[::1]:2');
    expect(map.owners[100]).toBe('[::1]:2');
    expect(map.masters().sort()).toEqual(['[::1]:2', 'a:1']);
  });
});
