/**
 * Request handling the REST and gRPC front doors share: the connector documentation's examples as
 * written, profiles referenced by name or id, `shards`, and did-you-mean for top-level fields.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectionTable,
  type ControlClient,
  type CreateConnectionTableRequest,
  connectControl,
} from '../../src/grpc.js';
import { type CoordinatorHandle, startCoordinator } from '../../src/index.js';
import { SEED_SQL } from '../sink/config/seed-sql.js';
import { DOCUMENTED_PROFILE, documentedTable } from '../support/documented-requests.js';

const TOKEN = 'YOUR_TOKEN';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Its "Standard Connection" and "Clustered Connection" blocks: a profile's `config`.
const DOC_STANDARD = `{
  "connection": {
    "address": "redis://localhost:6379"
  }
}`;
const DOC_CLUSTERED = `{
  "connection": {
    "addresses": [
      "redis://node1:6379",
      "redis://node2:6379",
      "redis://node3:6379"
    ]
  }
}`;

// Its "SQL Usage" statements.
const DOC_SQL = [SEED_SQL.user_cache, SEED_SQL.event_stream, SEED_SQL.product_inventory];

let dir: string;
let coordinator: CoordinatorHandle;
let control: ControlClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-requests-'));
  coordinator = await startCoordinator({ dataDir: dir, token: TOKEN, grpcPort: 0, httpPort: 0 });
  control = connectControl({ address: coordinator.grpcAddress, token: TOKEN });
});

afterAll(async () => {
  control?.close();
  await coordinator?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A request as the documentation's curl sends it. */
async function http(method: string, path: string, body?: string) {
  const res = await fetch(`http://${coordinator.httpAddress}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    body,
  });
  return { status: res.status, json: JSON.parse(await res.text()) };
}

function createTable(fields: Partial<CreateConnectionTableRequest>): Promise<ConnectionTable> {
  const request: CreateConnectionTableRequest = {
    name: '',
    connector: 'redis',
    connectionProfileId: '',
    config: undefined,
    schema: undefined,
    sql: '',
    ...fields,
  };
  return new Promise((resolve, reject) =>
    control.createConnectionTable(request, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const STRING_TARGET = { connectorType: { target: { keyPrefix: 'k:', keyColumn: 'id' } } };

describe('control requests', () => {
  it('requests — the documentation examples: which run as written, and the table example by name or id', async () => {
    const profile = await http('POST', '/v1/connection_profiles', DOCUMENTED_PROFILE);
    expect(profile.status).toBe(200);

    // As written, the table names an example id; ids are generated.
    const verbatim = await http('POST', '/v1/connection_tables', documentedTable());
    expect(verbatim.status).toBe(404);
    expect(verbatim.json.error.message).toBe(
      "connection profile 'prof_redis123' not found: option 'connectionProfileId' of table 'user_sessions' " +
        "takes the id that creating the profile returned (ids are generated) or the profile's name (known: redis_cache)",
    );
    const byName = await http('POST', '/v1/connection_tables', documentedTable('redis_cache'));
    expect(byName.status).toBe(200);
    expect(byName.json.connectionProfileId).toBe(profile.json.id);
    const byId = await http(
      'POST',
      '/v1/connection_tables',
      documentedTable(profile.json.id).replace('user_sessions', 'user_sessions_2'),
    );
    expect(byId.status).toBe(200);

    for (const [name, config] of [
      ['standard', DOC_STANDARD],
      ['clustered', DOC_CLUSTERED],
    ]) {
      const res = await http(
        'POST',
        '/v1/connection_profiles',
        `{"name":"${name}","connector":"redis","config":${config}}`,
      );
      expect(res.status, name).toBe(200);
    }
    for (const sql of DOC_SQL) {
      const res = await http('POST', '/v1/connection_tables', JSON.stringify({ sql }));
      expect(res.status, sql.slice(0, 30)).toBe(200);
    }
    // The three "Examples" scripts read a table the documentation does not declare; with it
    // declared first (examples/*.sql), each is a pipeline.
    for (const name of ['sessions', 'leaderboard', 'inventory']) {
      const sql = await readFile(join(ROOT, 'examples', `${name}.sql`), 'utf8');
      const res = await http('POST', '/v1/pipelines', JSON.stringify({ name, sql }));
      expect(res.status, name).toBe(200);
    }
  });

  it('requests — a profile is referenced by name or id: gRPC tables, SQL connection_profile', async () => {
    const profile = await http(
      'POST',
      '/v1/connection_profiles',
      JSON.stringify({
        name: 'refs',
        connector: 'redis',
        config: { connection: { address: 'redis://r:6379' } },
      }),
    );
    const id = profile.json.id as string;
    expect(
      (await createTable({ name: 'g_by_name', connectionProfileId: 'refs', config: STRING_TARGET }))
        .connectionProfileId,
    ).toBe(id);
    expect(
      (await createTable({ name: 'g_by_id', connectionProfileId: id, config: STRING_TARGET }))
        .connectionProfileId,
    ).toBe(id);
    for (const ref of ['refs', id]) {
      const name = ref === id ? 'sql_by_id' : 'sql_by_name';
      const sql = `CREATE TABLE ${name} (k TEXT) WITH (connector = 'redis', type = 'sink', connection_profile = '${ref}', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k')`;
      const res = await http('POST', '/v1/connection_tables', JSON.stringify({ sql }));
      expect(res.status, ref).toBe(200);
      expect(res.json.connectionProfileId).toBe(id);
    }
    const pipeline = `CREATE TABLE src WITH (connector = 'generator', rows_per_partition = '10');
CREATE TABLE out (k TEXT) WITH (connector = 'redis', type = 'sink', connection_profile = '${id}', 'sink.key_prefix' = 'p:', 'sink.key_column' = 'k');`;
    expect(
      (await http('POST', '/v1/pipelines', JSON.stringify({ name: 'by_id', sql: pipeline }))).status,
    ).toBe(200);
  });

  it('requests — shards: 0, negatives, fractions and text are refused naming the field, over HTTP and gRPC', async () => {
    for (const shards of [0, -1, 1.5, '4', null]) {
      const body = {
        name: 'sharded',
        connector: 'redis',
        connectionProfileId: 'refs',
        config: STRING_TARGET,
        shards,
      };
      const res = await http('POST', '/v1/connection_tables', JSON.stringify(body));
      expect(res.status, String(shards)).toBe(400);
      expect(res.json.error.message).toBe(
        `option 'shards' must be a positive integer, at most 256 (got ${JSON.stringify(shards)})`,
      );
    }
    await expect(
      createTable({ name: 'sharded', connectionProfileId: 'refs', config: STRING_TARGET, shards: 0 }),
    ).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: "option 'shards' must be a positive integer, at most 256 (got 0)",
    });
    const absent = await createTable({ name: 'sharded', connectionProfileId: 'refs', config: STRING_TARGET });
    expect(absent.shards).toBe(4);
    const two = await createTable({
      name: 'sharded_2',
      connectionProfileId: 'refs',
      config: STRING_TARGET,
      shards: 2,
    });
    expect(two.shards).toBe(2);
  });

  it('requests — a misspelt top-level field gets a did-you-mean: profiles, tables, pipelines', async () => {
    const profile = await http(
      'POST',
      '/v1/connection_profiles',
      DOCUMENTED_PROFILE.replace('"name"', '"nmae"'),
    );
    expect(profile.status).toBe(400);
    expect(profile.json.error.message).toMatch(
      /option 'nmae' is not a known option \(did you mean 'name'\?\)/,
    );

    const table = { name: 't', connector: 'redis', connectionProfileId: 'refs', config: STRING_TARGET };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...table, shrads: 2 }, "table 't': option 'shrads' is not a known option (did you mean 'shards'?)"],
      [
        { nmae: 't', connector: 'redis', connectionProfileId: 'refs', config: STRING_TARGET },
        "connection table: option 'nmae' is not a known option (did you mean 'name'?)",
      ],
      [
        { ...table, connectionProfileID: 'refs' },
        "table 't': option 'connectionProfileID' is not a known option (did you mean 'connectionProfileId'?)",
      ],
    ];
    for (const [body, message] of cases) {
      const res = await http('POST', '/v1/connection_tables', JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(res.json.error.message).toBe(message);
    }
    await expect(
      createTable({ name: 't', connectionProfileId: 'nope', config: STRING_TARGET }),
    ).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: expect.stringContaining("connection profile 'nope' not found"),
    });

    const pipeline = await http('POST', '/v1/pipelines', JSON.stringify({ nmae: 'p', sql: 'x' }));
    expect(pipeline.json.error.message).toBe("pipeline: 'nmae' is not a known field (did you mean 'name'?)");
  });
});
