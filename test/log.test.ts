import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { jsonLoggerOptions } from '../src/cli/json-logger.js';
import { childLogger, LOG_CENSOR, SILENT_LOGGER, scrubSecrets } from '../src/log.js';

/** A logger with the CLI logger's options, writing lines into an array. */
function capture() {
  const lines: string[] = [];
  const logger = pino(jsonLoggerOptions('info', 'test'), { write: (s: string) => lines.push(s) });
  return { logger, lines };
}

const PASSWORD = 'hunter2-Secret';
const TOKEN = 'tok_9f8e7d6c5b4a';

describe('log redaction', () => {
  it('log — password, token and authorization fields are censored at any usual depth', () => {
    const { logger, lines } = capture();
    logger.info({ password: PASSWORD, username: 'alice' }, 'top level');
    logger.info({ config: { username: 'alice', password: PASSWORD } }, 'profile config');
    logger.info({ profile: { name: 'p', config: { password: PASSWORD } } }, 'nested profile');
    logger.warn({ headers: { authorization: `Bearer ${TOKEN}` } }, 'request');
    logger.warn({ req: { headers: { authorization: `Bearer ${TOKEN}` } } }, 'nested request');
    logger.error({ token: TOKEN, producer: { token: TOKEN } }, 'producer');
    const text = lines.join('');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(TOKEN);
    const first = JSON.parse(lines[0]);
    expect(first).toMatchObject({ password: LOG_CENSOR, username: 'alice', msg: 'top level' });
    expect(JSON.parse(lines[1]).config).toEqual({ username: 'alice', password: LOG_CENSOR });
    expect(JSON.parse(lines[3]).headers.authorization).toBe(LOG_CENSOR);
  });

  it('log — credentials inside URLs and bearer tokens in messages or strings never show', () => {
    const { logger, lines } = capture();
    logger.info({ address: `redis://alice:${PASSWORD}@10.0.0.1:6379/0` }, 'connecting');
    logger.info(`connecting to rediss://default:${PASSWORD}@cache.internal:6380`);
    logger.warn({ detail: `got Authorization: Bearer ${TOKEN}` }, `refused Bearer ${TOKEN}`);
    logger.child({ job: 'j' }).info({ seeds: [`redis://bob:${PASSWORD}@h:7000`] }, 'cluster');
    const text = lines.join('');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(TOKEN);
    expect(JSON.parse(lines[0]).address).toBe(`redis://alice:${LOG_CENSOR}@10.0.0.1:6379/0`);
    expect(JSON.parse(lines[3]).seeds).toEqual([`redis://bob:${LOG_CENSOR}@h:7000`]);
  });

  it('log — scrubSecrets leaves text without credentials alone', () => {
    const plain = 'redis://127.0.0.1:6379 and redis://user@host:1 and table t: 3 rows';
    expect(scrubSecrets(plain)).toBe(plain);
    expect(scrubSecrets('redis://u:p@ss@h:1')).toBe(`redis://u:${LOG_CENSOR}@h:1`);
  });

  it('log — a PEM private key is hidden, raw or inside a JSON line, and a certificate is kept', () => {
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKey-4b1d-marker\n-----END EC PRIVATE KEY-----\n';
    const cert = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----';
    expect(scrubSecrets(`tls key ${key} end`)).toBe(`tls key ${LOG_CENSOR}\n end`);
    const { logger, lines } = capture();
    logger.info({ tls: { key, cert } }, 'profile');
    expect(lines.join('')).not.toContain('Key-4b1d-marker');
    expect(lines.join('')).toContain('MIIBcert');
    expect(scrubSecrets('-----BEGIN PRIVATE KEY-----\nMIGHcut-short')).toBe(LOG_CENSOR);
    expect(scrubSecrets('{"k":"-----BEGIN PRIVATE KEY-----\\nMIGHcut","n":1}\n')).toBe(
      `{"k":"${LOG_CENSOR}","n":1}\n`,
    );
  });

  it('log — our own wording about tokens stays readable while real credentials after it are hidden', () => {
    const line = scrubSecrets(
      'missing bearer token (Authorization: Bearer <token>); got Bearer token-9f2 and Bearer <x>y and Bearer s3cr3t',
    );
    expect(line).toContain('missing bearer token (Authorization: Bearer <token>)');
    expect(line).not.toMatch(/token-9f2|<x>y|s3cr3t/);
    expect(line.split(LOG_CENSOR)).toHaveLength(4);
  });
});

describe('log — child loggers', () => {
  it("log — childLogger uses the logger's own child() when it has one", () => {
    const { logger, lines } = capture();
    childLogger(logger, { component: 'worker' }).info({ shard: 's1' }, 'shard started');
    expect(JSON.parse(lines[0])).toMatchObject({ component: 'worker', shard: 's1', msg: 'shard started' });
  });

  it("log — without child(), bindings are merged into each call, and a call's own fields win", () => {
    const calls: unknown[][] = [];
    const record = (...args: unknown[]) => calls.push(args);
    const plain = { debug: record, info: record, warn: record, error: record };
    const child = childLogger(plain, { component: 'coordinator', table: 't' });
    child.info('started');
    child.warn({ table: 'u', n: 1 }, 'slow');
    childLogger(child, { shard: 2 }).error({ n: 2 }, 'failed');
    expect(calls).toEqual([
      [{ component: 'coordinator', table: 't' }, 'started'],
      [{ component: 'coordinator', table: 'u', n: 1 }, 'slow'],
      [{ component: 'coordinator', table: 't', shard: 2, n: 2 }, 'failed'],
    ]);
  });

  it('log — the silent logger drops everything and its children are itself', () => {
    expect(childLogger(SILENT_LOGGER, { component: 'x' })).toBe(SILENT_LOGGER);
    expect(SILENT_LOGGER.info({ a: 1 }, 'nothing')).toBeUndefined();
  });
});
