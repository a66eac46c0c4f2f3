/** Sentinel options, checked before any connection: address forms, defaults and refusals. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/resp/errors.js';
import {
  DEFAULT_SENTINEL_FAILOVER_TIMEOUT,
  parseSentinelOptions,
  type SentinelOptions,
} from '../../src/resp/sentinel/sentinel-options.js';

const parse = (o: Partial<SentinelOptions>) =>
  parseSentinelOptions({ sentinels: ['h'], masterName: 'm', ...o });
const first = (address: string) => parse({ sentinels: [address] }).sentinels[0];

describe('sentinel options', () => {
  it('sentinel options — addresses: URL, host:port, host alone (port 26379), IPv6 with and without brackets', () => {
    expect(first('redis://h:5')).toEqual({ host: 'h', port: 5 });
    expect(first('h:1')).toEqual({ host: 'h', port: 1 });
    expect(first('h')).toEqual({ host: 'h', port: 26379 });
    expect(first('[::1]:26380')).toEqual({ host: '::1', port: 26380 });
    expect(first('::1')).toEqual({ host: '::1', port: 26379 });
  });

  it('sentinel options — Sentinel login from a URL or the options, apart from the data login', () => {
    const o = parse({ sentinels: ['rediss://w:s-pass@h:26379'], password: 'd-pass' });
    expect(o.sentinel).toMatchObject({ username: 'w', password: 's-pass', tls: true });
    expect(o.data).toMatchObject({ password: 'd-pass' });
    expect(parse({ sentinelPassword: 'x' }).sentinel.password).toBe('x');
    expect(parse({}).failoverTimeout).toBe(DEFAULT_SENTINEL_FAILOVER_TIMEOUT);
    expect(parse({}).readFrom).toBe('primary');
  });

  it('sentinel options — refusals name the option and never echo an address', () => {
    const option = (o: Partial<SentinelOptions>) => {
      try {
        parse(o);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as Error).message).not.toContain('secret');
        return (e as ConfigError).option;
      }
      throw new Error('expected a ConfigError');
    };
    expect(option({ sentinels: [] })).toBe('sentinels');
    expect(option({ masterName: '' })).toBe('masterName');
    expect(option({ failoverTimeout: -1 })).toBe('failoverTimeout');
    expect(option({ readFrom: 'any' as 'replica' })).toBe('readFrom');
    expect(option({ sentinels: ['ftp://u:secret@h'] })).toBe('url');
    expect(option({ dbb: 1 } as Partial<SentinelOptions>)).toBe('dbb');
  });
});
