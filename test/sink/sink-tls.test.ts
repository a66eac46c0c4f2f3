/**
 * TLS settings of a connection profile through every front door, against real TLS servers whose
 * certificates the test makes with openssl: a private CA, mutual TLS, `{{ VAR }}` paths, the
 * logged `insecure` opt-in, and a client key that never shows in errors, logs or redacted copies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactJson, redactSql } from '../../src/coordinator/redact.js';
import { redisCli } from '../../src/dev/redis-cli.js';
import { type RedisServer, startRedisServer } from '../../src/dev/redis-server.js';
import { makeServerCertificate, makeTlsMaterial, type TlsMaterial } from '../../src/dev/tls-files.js';
import { SinkConfigError, TlsError } from '../../src/index.js';
import { defineProfile, parseCreateTable, parseProfile, redactProfile } from '../../src/sink/config/index.js';
import { loadSqlParser } from '../../src/sink/config/sql-ddl.js';
import { createSink } from '../../src/sink/create-sink.js';
import { recordingLogger } from '../support/sink.js';

let m: TlsMaterial;
/** tls-auth-clients yes: every client needs the CA and a client certificate. */
let mutual: RedisServer;
/** A certificate for redis.internal, which no address here names. */
let named: RedisServer;

beforeAll(async () => {
  m = await makeTlsMaterial(await mkdtemp(join(tmpdir(), 'laminar-sink-tls-')));
  const f = m.files;
  const cert = await makeServerCertificate(f, 'named', { altNames: ['DNS:redis.internal'] });
  [mutual, named] = await Promise.all([
    startRedisServer({
      tls: { certFile: f.serverCertFile, keyFile: f.serverKeyFile, caFile: f.caFile, authClients: 'yes' },
    }),
    startRedisServer({
      tls: { certFile: cert.certFile, keyFile: cert.keyFile, caFile: f.caFile, authClients: 'optional' },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([mutual?.stop(), named?.stop()]);
  if (m !== undefined) await rm(m.files.dir, { recursive: true, force: true });
});

/** Reads a key through redis-cli, which trusts the CA itself (never the client under test). */
async function get(server: RedisServer, key: string, sni?: string): Promise<string> {
  const f = m.files;
  const args = ['--tls', '--cacert', f.caFile, '--cert', f.certFile, '--key', f.keyFile];
  if (sni !== undefined) args.push('--sni', sni);
  return (await redisCli(server, [...args, 'GET', key])).stdout.trim();
}

/** Everything an error shows: `util.inspect` with causes, message, String(), stack. */
function allOf(err: unknown): string {
  const parts = [inspect(err, { depth: 20, showHidden: true })];
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    parts.push(String(e), e.message, e.stack ?? '');
  }
  return parts.join('\n');
}

/** The base64 body of a PEM key: what must never show. */
const keyBody = (pem: Buffer) => pem.toString('utf8').split('\n').slice(1, -2).join('\n');

const stringTable = (name: string) => ({
  name,
  connector: 'redis',
  config: { connectorType: { target: { keyPrefix: `${name}:`, keyColumn: 'id' } } },
});

describe('sink TLS', () => {
  it('sink TLS — JSON profile: a private CA and a client certificate as file paths write rows', async () => {
    const profile = {
      name: 'tls_json',
      connector: 'redis',
      config: {
        connection: { address: mutual.url },
        tls: { ca: m.files.caFile, cert: m.files.certFile, key: m.files.keyFile, minVersion: 'TLSv1.2' },
      },
    };
    const sink = await createSink({ profile, table: stringTable('tj') });
    await sink.write([{ id: 'a', v: 1 }]);
    await sink.flush();
    await sink.close();
    expect(await get(mutual, 'tj:a')).toBe('{"id":"a","v":1}');
  });

  it('sink TLS — SQL DDL: tls options with {{ VAR }} paths, resolved only when connecting', async () => {
    const sql = `CREATE TABLE ts (id TEXT, v TEXT) WITH (connector = 'redis', type = 'sink',
      address = '${named.url}', 'tls.ca' = '{{ TLS_CA }}', 'tls.cert' = '{{ TLS_CERT }}',
      'tls.key' = '{{ TLS_KEY }}', 'tls.server_name' = 'redis.internal', 'tls.min_version' = 'tlsv1.3',
      'sink.type' = 'string', 'sink.key_prefix' = 'ts:', 'sink.key_column' = 'id')`;
    const table = await parseCreateTable(sql);
    expect(table.profile.tls).toEqual({
      ca: '{{ TLS_CA }}',
      cert: '{{ TLS_CERT }}',
      key: '{{ TLS_KEY }}',
      serverName: 'redis.internal',
      minVersion: 'TLSv1.3',
    });
    const env = { TLS_CA: m.files.caFile, TLS_CERT: m.files.certFile, TLS_KEY: m.files.keyFile };
    const sink = await createSink({ sql }, { env });
    await sink.write([{ id: 'b', v: 'x' }]);
    await sink.flush();
    await sink.close();
    expect(sink.table.profile.tls?.ca).toBe('{{ TLS_CA }}');
    expect(await get(named, 'ts:b', 'redis.internal')).toBe('{"id":"b","v":"x"}');
  });

  it('sink TLS — TypeScript profile: PEM text for the CA, certificate and key', () => {
    const profile = defineProfile({
      name: 'tls_ts',
      connection: { kind: 'standalone', address: mutual.url },
      tls: { ca: m.ca.toString(), cert: m.cert.toString(), key: m.key.toString(), insecure: false },
    });
    expect(profile.tls?.insecure).toBe(false);
    expect(profile.tls?.key).toBe(m.key.toString());
    expect(redactProfile(profile).tls?.key).toBe('***');
    expect(redactProfile({ ...profile, tls: { key: '{{ TLS_KEY }}' } }).tls?.key).toBe('{{ TLS_KEY }}');
  });

  it('sink TLS — a server wanting a client certificate refuses the sink with ERR_TLS_CLIENT_CERT_REFUSED', async () => {
    const { logger, lines } = recordingLogger();
    const profile = {
      name: 'tls_no_cert',
      connector: 'redis',
      config: { connection: { address: mutual.url }, tls: { ca: m.files.caFile } },
    };
    const err = await createSink({ profile, table: stringTable('tn') }, { logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect(err).toMatchObject({ code: 'ERR_TLS_CLIENT_CERT_REFUSED', option: 'tls.cert' });
    expect(lines.join('\n')).not.toContain('BEGIN');
  });

  it("sink TLS — a wrong client certificate's key never shows in the error or the logs", async () => {
    const { logger, lines } = recordingLogger();
    const profile = {
      name: 'tls_wrong_cert',
      connector: 'redis',
      config: {
        connection: { address: mutual.url },
        tls: { ca: m.files.caFile, cert: m.wrongCert.toString(), key: m.wrongKey.toString() },
      },
    };
    const err = await createSink({ profile, table: stringTable('tw') }, { logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('ERR_TLS_CLIENT_CERT_REFUSED');
    expect(allOf(err)).not.toContain(keyBody(m.wrongKey));
    expect(lines.join('\n')).not.toContain(keyBody(m.wrongKey));
  });

  it('sink TLS — a certificate for another name fails with ERR_TLS_NAME_MISMATCH until tls.server_name says it', async () => {
    const sql = (extra: string) => `CREATE TABLE tm (id TEXT) WITH (connector = 'redis', type = 'sink',
      address = '${named.url}', 'tls.ca' = '${m.files.caFile}'${extra},
      'sink.type' = 'string', 'sink.key_prefix' = 'tm:', 'sink.key_column' = 'id')`;
    const err = await createSink({ sql: sql('') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TLS_NAME_MISMATCH', option: 'tls.serverName' });
    const sink = await createSink({ sql: sql(", 'tls.server_name' = 'redis.internal'") });
    await sink.close();
  });

  it('sink TLS — insecure connects without the CA and is logged as a warning naming the profile', async () => {
    const { logger, lines } = recordingLogger();
    const sql = `CREATE TABLE ti (id TEXT) WITH (connector = 'redis', type = 'sink', address = '${mutual.url}',
      'tls.insecure' = 'true', 'tls.cert' = '${m.files.certFile}', 'tls.key' = '${m.files.keyFile}',
      'sink.type' = 'string', 'sink.key_prefix' = 'ti:', 'sink.key_column' = 'id')`;
    const sink = await createSink({ sql }, { logger });
    await sink.write([{ id: 'c' }]);
    await sink.flush();
    await sink.close();
    expect(await get(mutual, 'ti:c')).toBe('{"id":"c"}');
    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatchObject({ profile: 'ti', option: 'tls.insecure' });
    expect(warnings[0].msg).toContain('skips TLS verification');
    expect(lines.join('\n')).not.toContain(keyBody(m.key));
  });

  it('sink TLS — without insecure nothing is logged about TLS', async () => {
    const { logger, lines } = recordingLogger();
    const profile = {
      name: 'tls_quiet',
      connector: 'redis',
      config: {
        connection: { address: mutual.url },
        tls: { ca: m.files.caFile, cert: m.files.certFile, key: m.files.keyFile },
      },
    };
    const sink = await createSink({ profile, table: stringTable('tq') }, { logger });
    await sink.close();
    expect(lines.filter((l) => l.includes('tls.insecure'))).toEqual([]);
  });
});

describe('profile TLS validation', () => {
  const body = (tls: unknown, address = 'rediss://127.0.0.1:6380') => ({
    name: 'p',
    connector: 'redis',
    config: { connection: { address }, tls },
  });

  it('profile TLS — a tls block with a redis:// address is refused, naming the address option', () => {
    expect(() => parseProfile(body({ ca: '/etc/ca.pem' }, 'redis://127.0.0.1:6379'))).toThrow(
      /'config\.tls\.ca' needs TLS addresses: 'config\.connection\.address' says redis:\/\/; write rediss:\/\//,
    );
  });

  it('profile TLS — a misspelt key gets a suggestion in JSON and SQL', async () => {
    expect(() => parseProfile(body({ serverNme: 'x' }))).toThrow(
      /'config\.tls\.serverNme' is not a known option.*did you mean 'config\.tls\.serverName'/,
    );
    const sql = `CREATE TABLE s (id TEXT) WITH (connector = 'redis', type = 'sink', address = 'rediss://h:1',
      'tls.servername' = 'x', 'sink.type' = 'string', 'sink.key_prefix' = 's:', 'sink.key_column' = 'id')`;
    await expect(parseCreateTable(sql)).rejects.toThrow(/did you mean 'tls\.server_name'/);
  });

  it('profile TLS — insecure must be a boolean, min_version TLSv1.2 or TLSv1.3, cert and key together', async () => {
    expect(() => parseProfile(body({ insecure: 'yes' }))).toThrow(
      /'config\.tls\.insecure' must be true or false/,
    );
    expect(() => parseProfile(body({ minVersion: 'TLSv1.1' }))).toThrow(
      /'config\.tls\.minVersion' must be one of 'TLSv1\.2', 'TLSv1\.3'/,
    );
    expect(() => parseProfile(body({ serverName: 7 }))).toThrow(
      /'config\.tls\.serverName' must be a host name \(got 7\)/,
    );
    expect(() => parseProfile(body({ cert: '/c.pem' }))).toThrow(
      /'config\.tls\.key' is required with 'config\.tls\.cert'/,
    );
    const sql = `CREATE TABLE s (id TEXT) WITH (connector = 'redis', type = 'sink', address = 'rediss://h:1',
      'tls.insecure' = 'maybe', 'sink.type' = 'string', 'sink.key_prefix' = 's:', 'sink.key_column' = 'id')`;
    const err = await parseCreateTable(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkConfigError);
    expect((err as SinkConfigError).message).toMatch(/'tls\.insecure' must be 'true' or 'false'/);
  });

  it('profile TLS — a key of the wrong type is refused without showing it', () => {
    const err = (() => {
      try {
        return parseProfile(body({ cert: '/c.pem', key: { secret: 'k-4f1e-marker' } }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SinkConfigError);
    expect(String(err)).not.toContain('k-4f1e-marker');
  });

  it("profile TLS — coordinator responses hide the key of a JSON tls block and a SQL 'tls.key'", async () => {
    const pem = m.key.toString();
    const shown = redactJson({
      config: { connection: { address: 'rediss://h:1' }, tls: { ca: '/ca.pem', key: pem } },
    });
    expect(shown.config.tls).toEqual({ ca: '/ca.pem', key: '********' });
    await loadSqlParser();
    const sql = `CREATE TABLE s (id TEXT) WITH (connector = 'redis', 'tls.key' = '${pem}', 'tls.ca' = '/ca.pem')`;
    const redacted = redactSql(sql);
    expect(redacted).not.toContain(keyBody(m.key));
    expect(redacted).toContain("'tls.key' = '********'");
    expect(redacted).toContain("'tls.ca' = '/ca.pem'");
  });
});
