/**
 * The control API over HTTP for multi-process runtime tests, and the three tables those tests
 * stream into (a list, a string and a hash table) once every shard of each is placed.
 */
import { until } from './until.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the HTTP API, read field by field
export type Json = Record<string, any>;

/** One HTTP API call to the coordinator at `base` (`host:port`); a non-2xx answer throws. */
export async function api(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`http://${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The tables: `events` appends to lists `ev:<g>`, `latest` sets `s:<k>`, `stock` sets field `f` of `h:<g>`. */
export const STREAMED_TABLES = {
  events: { listPrefix: 'ev:', listKeyColumn: 'g', operation: 'Append' },
  latest: { keyPrefix: 's:', keyColumn: 'k' },
  stock: { hashKeyPrefix: 'h:', hashKeyColumn: 'g', hashFieldColumn: 'f' },
} as const;
export type StreamedTable = keyof typeof STREAMED_TABLES;

/**
 * Creates a profile for `redisUrl` and the {@link STREAMED_TABLES} through the coordinator at
 * `http`, then waits until each has `shards` routes, all placed on a worker.
 */
export async function createStreamedTables(http: string, redisUrl: string, shards: number): Promise<void> {
  const profile = await api(http, 'POST', '/v1/connection_profiles', {
    name: 'local',
    connector: 'redis',
    config: { connection: { address: redisUrl } },
  });
  for (const [name, target] of Object.entries(STREAMED_TABLES)) {
    await api(http, 'POST', '/v1/connection_tables', {
      name,
      connector: 'redis',
      connectionProfileId: profile.id,
      config: { connectorType: { target } },
    });
  }
  await until('every shard placed', async () => {
    for (const name of Object.keys(STREAMED_TABLES)) {
      const r = await api(http, 'GET', `/v1/connection_tables/${name}/routing`);
      if (r.routes.length !== shards || r.routes.some((x: { workerId: string }) => x.workerId === ''))
        return false;
    }
    return true;
  });
}
