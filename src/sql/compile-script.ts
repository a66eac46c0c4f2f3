/**
 * SQL pipeline scripts → job specs. A script holds `CREATE TABLE` statements — Redis sinks (the
 * sink's own DDL, sink/config/sql-ddl.ts), Redis lookup tables (`CREATE TEMPORARY TABLE` or
 * `type = 'lookup'`, lookup/lookup-config.ts) and sources (`connector = 'generator' | 'jsonl' |
 * 'ingest'`, or `'redis'` with `type = 'source'`: source-tables.ts) — and `INSERT INTO sink SELECT ... FROM source [JOIN lookup ...]`
 * queries (compile-query.ts). Without any INSERT, every source feeds every sink unchanged. Every
 * error gives its line and column in the script. See docs/pipelines.md and docs/lookup.md.
 */

import { isLookupTableStatement, lookupTableFromStatement } from '../lookup/lookup-config.js';
import { LookupRegistry } from '../lookup/lookup-registry.js';
import type { LookupSpec } from '../lookup/lookup-spec.js';
import { rewriteLookupSyntax } from '../lookup/metadata-syntax.js';
import type { LookupTable } from '../lookup/model.js';
import type { JobSpec, QuerySpec, SourceSpec, TableSpec } from '../plan/job-spec.js';
import type { ConnectionProfile, RedisConnection } from '../schema/connection-profile.js';
import { loadSqlParser, parseStatements } from '../schema/sql-parser.js';
import { isolate, statementRanges } from '../schema/sql-script.js';
import { extent, isNode, withOptions } from '../schema/sql-tree.js';
import { parseCreateTableSync } from '../sink/config/sql-ddl.js';
import type { SinkTable } from '../sink/model.js';
import { PipelineSqlError } from './errors.js';
import { planQueries } from './job-queries.js';
import { SOURCE_CONNECTORS, sourceTable } from './source-tables.js';
import { identOf, type Node } from './tree.js';

/** Options of {@link compileSqlScript}. */
export interface CompileSqlOptions {
  /** The job's (pipeline's) name: the spec's `name`. */
  name: string;
  /** Shards of each sink table. Default 1. */
  shards?: number;
  /** Stored profiles a sink may name with `connection_profile = '<name>'`. */
  profiles?: ReadonlyMap<string, ConnectionProfile>;
  /**
   * Where every sink writes and every lookup table reads, whatever its `address` /
   * `'cluster.addresses'` / profile says: one Redis URL (standalone), or several (seeds of a
   * cluster). Username and password stay the table's. For running a script written for another
   * environment (tests, `npm start`).
   */
  redisAddress?: string | readonly string[];
}

/** A compiled script: a job spec without `checkpoint` (the caller sets it). */
export type ScriptSpec = Omit<JobSpec, 'checkpoint'>;

interface Statement {
  k: number;
  node: unknown;
  range: [number, number];
}

/**
 * Translates a pipeline script into a job spec without `checkpoint`, compiling its queries on
 * the way so that a script that could not run is refused here.
 *
 * @throws SqlSyntaxError with the line and column of a syntax error in the script.
 * @throws SinkConfigError for a sink table, LookupConfigError for a lookup table (positions are
 *   the script's).
 * @throws PipelineSqlError for source tables, other statements, or tables nothing wires.
 * @throws SqlQueryError for a query that does not compile (unknown columns or functions, type
 *   errors, unsupported clauses or shapes).
 */
export async function compileSqlScript(sql: string, options: CompileSqlOptions): Promise<ScriptSpec> {
  await loadSqlParser();
  // `METADATA FROM 'key'` columns become parser-friendly comments of the same length (as a rule),
  // so positions and statement ranges hold for the text as written.
  const parsed = rewriteLookupSyntax(sql);
  const text = parsed.length === sql.length ? sql : parsed;
  const statements = parseStatements(parsed);
  const ranges = statementRanges(parsed, statements);
  const sources: SourceSpec[] = [];
  const sinks: Array<{ name: string; spec: TableSpec; model: SinkTable }> = [];
  const lookups: Array<{ spec: LookupSpec; model: LookupTable }> = [];
  const inserts: Statement[] = [];
  const names = new Set<string>();
  for (const [k, node] of statements.entries()) {
    if (isNode(node) && isNode(node.Insert)) {
      inserts.push({ k, node: node.Insert, range: ranges[k] });
      continue;
    }
    const create = isNode(node) && isNode(node.CreateTable) ? node.CreateTable : undefined;
    if (create === undefined) {
      const kind = isNode(node) ? (Object.keys(node)[0] ?? 'unknown') : String(node);
      throw new PipelineSqlError(
        `statement ${k + 1} is ${kind}: a pipeline script holds CREATE TABLE statements (sources, sinks and lookup tables) and INSERT INTO ... SELECT queries`,
        undefined,
        undefined,
        extent(node)?.start,
      );
    }
    const table = tableName(create);
    if (names.has(table.toLowerCase()))
      throw new PipelineSqlError('is declared twice', table, undefined, extent(create)?.start);
    names.add(table.toLowerCase());
    const opts = withOptions(create.table_options);
    const connector = opts.find((o) => o.key === 'connector');
    const kind = connector?.value?.toLowerCase();
    if (kind === 'redis' && isLookupTableStatement(create)) {
      lookups.push(lookupTable(text, ranges[k], create, options));
    } else if (kind === 'redis' && isSourceTable(opts)) {
      sources.push(
        sourceTable(table, kind, create, opts, {
          profiles: options.profiles,
          connection: overridden(options),
        }),
      );
    } else if (kind === 'redis') {
      sinks.push(sinkTable(parsed, text, ranges[k], options));
    } else if (kind !== undefined && SOURCE_CONNECTORS.includes(kind)) {
      sources.push(sourceTable(table, kind, create, opts));
    } else if (kind === undefined) {
      throw new PipelineSqlError(
        "is required ('redis' for a sink or, with type = 'source', a Redis stream source; 'generator', 'jsonl' or 'ingest' for a source)",
        table,
        'connector',
        extent(create)?.start,
      );
    } else {
      throw new PipelineSqlError(
        `'${connector?.value}' is not supported in a pipeline script ('redis' sinks and stream sources; 'generator', 'jsonl' and 'ingest' sources)`,
        table,
        'connector',
        connector?.valueSpan?.start,
      );
    }
  }
  if (sources.length === 0) {
    throw new PipelineSqlError(
      "has no source table (connector = 'generator', 'jsonl' or 'ingest', or 'redis' with type = 'source')",
    );
  }
  if (sinks.length === 0) throw new PipelineSqlError("has no sink table (connector = 'redis')");
  const shards = options.shards ?? 1;
  if (inserts.length === 0) {
    if (lookups.length > 0) {
      throw new PipelineSqlError(
        'is a lookup table, but the script has no INSERT to join it in (INSERT INTO <sink> SELECT ... FROM <source> JOIN <lookup> ON ...)',
        lookups[0].model.name,
      );
    }
    const all = sources.map((s) => s.name);
    return { name: options.name, sources, tables: sinks.map((t) => ({ ...t.spec, sources: all, shards })) };
  }
  const queries = inserts.map((s) => querySpec(text, s.range));
  const feeds = await wireQueries(sources, sinks, lookups, queries, inserts);
  return {
    name: options.name,
    sources,
    tables: sinks.map((t) => ({ ...t.spec, sources: feeds.get(t.name) ?? [], shards })),
    queries,
    ...(lookups.length > 0 ? { lookups: lookups.map((l) => l.spec) } : {}),
  };
}

/** The sources of each sink, from the queries (compiled here: errors point into the script). */
async function wireQueries(
  sources: readonly SourceSpec[],
  sinks: ReadonlyArray<{ name: string; model: SinkTable }>,
  lookups: ReadonlyArray<{ model: LookupTable }>,
  queries: readonly QuerySpec[],
  inserts: readonly Statement[],
): Promise<Map<string, string[]>> {
  const feeds = new Map<string, string[]>();
  const read = new Set<string>();
  for (const insert of inserts) {
    const target = identOf(tableNameParts(insert.node)[0]);
    const from = sourceOf(insert.node);
    const sink = sinks.find((s) => target !== undefined && sameName(s.name, target.value));
    const source = sources.find((s) => from !== undefined && sameName(s.name, from));
    if (sink === undefined || source === undefined) continue; // the compile below reports it
    let list = feeds.get(sink.name);
    if (list === undefined) feeds.set(sink.name, (list = []));
    if (!list.includes(source.name)) list.push(source.name);
    read.add(source.name);
  }
  const plans = await planQueries(
    sources,
    sinks.map((s) => ({ table: s.model, sources: feeds.get(s.name) ?? sources.map((x) => x.name) })),
    queries,
    new LookupRegistry(lookups.map((l) => l.model)),
  );
  const joined = new Set([...plans.values()].flatMap((p) => p.lookups));
  for (const l of lookups) {
    if (!joined.has(l.model.name))
      throw new PipelineSqlError('is a lookup table that no query joins', l.model.name);
  }
  for (const s of sinks) {
    if (!feeds.has(s.name)) {
      throw new PipelineSqlError(
        'is a sink that no INSERT writes (a script with INSERT statements wires its tables by them)',
        s.name,
      );
    }
  }
  for (const s of sources) {
    if (!read.has(s.name)) throw new PipelineSqlError('is a source that no INSERT reads', s.name);
  }
  return feeds;
}

function sameName(declared: string, written: string): boolean {
  return declared === written || declared.toLowerCase() === written.toLowerCase();
}

function tableNameParts(insert: unknown): unknown[] {
  const t = (insert as Node).table;
  return isNode(t) && Array.isArray(t.TableName) ? t.TableName : Array.isArray(t) ? t : [];
}

/** The FROM table's name of an INSERT ... SELECT, when it has the plain shape. */
function sourceOf(insert: unknown): string | undefined {
  const body = (insert as Node).source;
  const select = isNode(body) && isNode(body.body) && isNode(body.body.Select) ? body.body.Select : undefined;
  const from =
    select !== undefined && Array.isArray(select.from) ? (select.from[0] as Node | undefined) : undefined;
  const relation =
    from !== undefined && isNode(from.relation) && isNode(from.relation.Table)
      ? from.relation.Table
      : undefined;
  const name = relation !== undefined && Array.isArray(relation.name) ? identOf(relation.name[0]) : undefined;
  return name?.value;
}

/** The statement's text, and where it starts in the script (errors of a later compile point there). */
function querySpec(sql: string, [start, end]: [number, number]): QuerySpec {
  const before = sql.slice(0, start);
  const lineStart = before.lastIndexOf('\n') + 1;
  return {
    sql: sql.slice(start, end),
    line: before.split('\n').length,
    column: [...sql.slice(lineStart, start)].length + 1,
  };
}

function tableName(create: Node): string {
  const parts = Array.isArray(create.name) ? create.name : [];
  const id = parts.length === 1 ? identOf(parts[0]) : undefined;
  if (id === undefined) {
    throw new PipelineSqlError(
      'qualified table names (schema.table) are not supported',
      undefined,
      undefined,
      extent(create.name)?.start,
    );
  }
  return id.value;
}

/** A `connector = 'redis'` table with `type = 'source'`: a Redis stream source. */
function isSourceTable(opts: readonly { key: string; value: string | undefined }[]): boolean {
  return opts.find((o) => o.key === 'type')?.value?.toLowerCase() === 'source';
}

/** The connection every table uses instead of its own (`redisAddress`), if any. */
function overridden(options: CompileSqlOptions): RedisConnection | undefined {
  const a = options.redisAddress;
  if (a === undefined) return undefined;
  return typeof a === 'string' ? { kind: 'standalone', address: a } : { kind: 'cluster', addresses: [...a] };
}

/**
 * A lookup table of the script: its model, and its spec entry — the statement text, or the model
 * when it depends on a stored profile or the overridden address (as for sinks, below).
 */
function lookupTable(
  text: string,
  range: [number, number],
  create: Node,
  options: CompileSqlOptions,
): { spec: LookupSpec; model: LookupTable } {
  const profiles = new RecordingProfiles(options.profiles);
  const model = lookupTableFromStatement(create, { profiles, redisAddress: options.redisAddress });
  const spec: LookupSpec =
    profiles.looked.length > 0 || options.redisAddress !== undefined
      ? { model }
      : { sql: text.slice(range[0], range[1]).trim() };
  return { spec, model };
}

/** `parsed`: the script as parsed (lookup syntax rewritten); `text`: as sliced into the spec. */
function sinkTable(
  parsed: string,
  text: string,
  range: [number, number],
  options: CompileSqlOptions,
): { name: string; spec: TableSpec; model: SinkTable } {
  const profiles = new RecordingProfiles(options.profiles);
  let model = parseCreateTableSync(isolate(parsed, range), { profiles });
  const connection = overridden(options);
  if (connection !== undefined) model = { ...model, profile: { ...model.profile, connection } };
  // Workers do not see the coordinator's profiles: a table that names one travels as its model,
  // and so does one whose address was overridden.
  const spec: TableSpec =
    profiles.looked.length > 0 || options.redisAddress !== undefined
      ? { model }
      : { sql: text.slice(range[0], range[1]).trim() };
  return { name: model.name, spec, model };
}

/**
 * A profiles map for the DDL parser that notes which names a statement looked up: the parser
 * consults it only for `connection_profile = '<name>'`, so this tells whether the table depends
 * on a stored profile without reading the tree twice.
 */
export class RecordingProfiles extends Map<string, ConnectionProfile> {
  readonly looked: string[] = [];
  constructor(profiles: ReadonlyMap<string, ConnectionProfile> | undefined) {
    super(profiles ?? []);
  }
  override get(name: string): ConnectionProfile | undefined {
    this.looked.push(name);
    return super.get(name);
  }
}
