import { describe, expect, it } from 'vitest';
import {
  addressList,
  endpointChannelOptions,
  expandAddresses,
  type LookupAll,
} from '../../src/wire/coordinator-addresses.js';

/** A resolver of fixed answers; a name it does not know fails as DNS does. */
function resolver(table: Record<string, Array<[string, number]>>): LookupAll {
  return async (host) => {
    const found = table[host];
    if (found === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map(([address, family]) => ({ address, family }));
  };
}

describe('coordinator addresses — one name for several coordinators', () => {
  const lookup = resolver({
    'coordinators.svc': [
      ['10.0.0.1', 4],
      ['fd00::2', 6],
      ['10.0.0.1', 4],
    ],
    'one.svc': [['10.0.0.9', 4]],
  });

  it('addresses — a name that resolves to several stands for each, in order; the name is kept for TLS', async () => {
    const round = await expandAddresses(['coordinators.svc:7400'], lookup);
    expect(round).toEqual([
      { address: '10.0.0.1:7400', entry: 'coordinators.svc:7400' },
      { address: '[fd00::2]:7400', entry: 'coordinators.svc:7400' },
    ]);
    expect(endpointChannelOptions(round[1])).toEqual({
      'grpc.default_authority': 'coordinators.svc:7400',
      'grpc.ssl_target_name_override': 'coordinators.svc',
    });
  });

  it('addresses — IPs, a name of one address and a name that does not resolve stay as given; duplicates once', async () => {
    const round = await expandAddresses(
      ['127.0.0.1:9190', '[::1]:9190', 'one.svc:9190', 'gone.svc:9190', 'coordinators.svc:1', '10.0.0.1:1'],
      lookup,
    );
    expect(round.map((e) => e.address)).toEqual([
      '127.0.0.1:9190',
      '[::1]:9190',
      'one.svc:9190',
      'gone.svc:9190',
      '10.0.0.1:1',
      '[fd00::2]:1',
    ]);
    expect(endpointChannelOptions(round[0])).toEqual({});
  });

  it('addresses — resolved again on every round', async () => {
    let answer: Array<[string, number]> = [
      ['10.0.0.1', 4],
      ['10.0.0.2', 4],
    ];
    const changing: LookupAll = async () => answer.map(([address, family]) => ({ address, family }));
    expect((await expandAddresses(['c.svc:1'], changing)).map((e) => e.address)).toEqual([
      '10.0.0.1:1',
      '10.0.0.2:1',
    ]);
    answer = [
      ['10.0.0.3', 4],
      ['10.0.0.2', 4],
    ];
    expect((await expandAddresses(['c.svc:1'], changing)).map((e) => e.address)).toEqual([
      '10.0.0.3:1',
      '10.0.0.2:1',
    ]);
  });

  it('addresses — a comma-separated list, blanks ignored', () => {
    expect(addressList(' a:1, b:2 ,,')).toEqual(['a:1', 'b:2']);
  });
});
