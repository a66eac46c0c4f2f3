import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/resp/errors.js';
import { parseClientOptions } from '../../src/resp/options.js';
import { parseRedisUrl } from '../../src/resp/url.js';

describe('url', () => {
  it('url — user, password, host, port and db', () => {
    expect(parseRedisUrl('redis://user:pa%40ss@example.com:6380/2')).toEqual({
      host: 'example.com',
      port: 6380,
      username: 'user',
      password: 'pa@ss',
      db: 2,
    });
  });

  it('url — IPv6 host in brackets, rediss enables TLS', () => {
    expect(parseRedisUrl('rediss://[::1]:7000')).toEqual({ host: '::1', port: 7000, tls: true });
  });

  it('url — password without user authenticates the default user', () => {
    const o = parseClientOptions('redis://:secret@127.0.0.1');
    expect(o.username).toBeUndefined();
    expect(o.password).toBe('secret');
    expect(o.port).toBe(6379);
  });

  it('url — protocol and name parameters', () => {
    expect(parseRedisUrl('redis://h/?protocol=2&name=app')).toEqual({ host: 'h', protocol: 2, name: 'app' });
  });

  it('url — errors name the problem and never echo the password', () => {
    for (const bad of [
      'http://u:hunter2@h',
      'redis://u:hunter2@h/x',
      'redis://u:hunter2@h/?foo=1',
      'nope hunter2',
    ]) {
      let err: unknown;
      try {
        parseRedisUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect(String((err as Error).message)).not.toContain('hunter2');
    }
  });
});

describe('options', () => {
  it('options — defaults', () => {
    const o = parseClientOptions(undefined);
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      protocol: 3,
      commandTimeout: 30_000,
      noDelay: true,
    });
    expect(o.reconnect).toMatchObject({ initialDelay: 50, maxDelay: 2000 });
  });

  it('options — explicit options override the URL', () => {
    const o = parseClientOptions('redis://a:b@h:1/3', { db: 4, protocol: 2 });
    expect(o).toMatchObject({ host: 'h', port: 1, username: 'a', password: 'b', db: 4, protocol: 2 });
  });

  it('options — invalid values name the option', () => {
    expect(() => parseClientOptions({ port: 70000 })).toThrow(/'port'/);
    expect(() => parseClientOptions({ protocol: 4 as 3 })).toThrow(/'protocol'/);
    expect(() => parseClientOptions({ db: -1 })).toThrow(/'db'/);
    expect(() => parseClientOptions({ commandTimeout: -5 })).toThrow(/'commandTimeout'/);
    expect(parseClientOptions({ commandTimeout: null }).commandTimeout).toBe(0);
    expect(parseClientOptions({ commandTimeout: 0 }).commandTimeout).toBe(0);
    expect(() => parseClientOptions({ hots: 'x' } as never)).toThrow(/unknown client option 'hots'/);
  });

  it('options — maxAggregateLength defaults to 2^24 and refuses what a JS array cannot survive', () => {
    expect(parseClientOptions(undefined).maxAggregateLength).toBe(2 ** 24);
    expect(parseClientOptions({ maxAggregateLength: 2 ** 26 }).maxAggregateLength).toBe(2 ** 26);
    for (const bad of [0, 1.5, 2 ** 26 + 1, 2 ** 32 - 1]) {
      expect(() => parseClientOptions({ maxAggregateLength: bad })).toThrow(/'maxAggregateLength'/);
    }
  });
});
