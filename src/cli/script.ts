/**
 * A SQL pipeline script compiled into a job for this process (`laminar-redis run`, the examples):
 * the pipeline-sql entry point, then what a local run adds — the sink address override, JSON-lines
 * paths relative to the script, and a description of the sources and sinks for progress reports.
 */
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { pipelineFromSql } from '../coordinator/pipeline-sql.js';
import type { JobSpec, SourceSpec } from '../plan/job-spec.js';
import { tableOf } from '../sink/create-sink.js';
import { parseKeyTemplate } from '../sink/key-template.js';
import { keyPrefixOf, keyTemplateOf, type SinkTable } from '../sink/model.js';
import { globEscape } from './glob.js';

/** Shards per sink table of a local run. */
export const DEFAULT_RUN_SHARDS = 2;

export interface CompileOptions {
  /** Job name. Default: the script's file name without `.sql`. */
  name?: string;
  /** Shards per sink table. Default {@link DEFAULT_RUN_SHARDS}. */
  shards?: number;
  /**
   * Redis every sink writes to instead of its `address` (`redis://...`; may hold `{{ VAR }}`), or
   * the seeds of a cluster: the pipeline compiler's `redisAddress`. The sink's other options, its `password` included,
   * stay as written.
   */
  sinkAddress?: string | readonly string[];
  /** Directory that relative source paths are resolved against. Default: the working directory. */
  baseDir?: string;
}

/** A source as progress reports show it. */
export interface SourceInfo {
  name: string;
  /** Rows it will produce when bounded and known up front (generators); else undefined. */
  total?: number;
  /** Checkpoint channels of the source: its rows read are the sum of their positions. */
  channels: string[];
}

/** A sink table as progress reports show it. */
export interface SinkInfo {
  name: string;
  type: SinkTable['target']['type'];
  /**
   * What every key starts with, as people read it: the table's prefix, or its key template with
   * each column shown as `*` (less a last `*`).
   */
  prefix: string;
  /** The table's keys as a SCAN MATCH pattern. */
  match: string;
  /** Sources that feed it. */
  sources: string[];
  /** Where it writes, as configured (secrets unresolved). */
  address: string;
}

export interface CompiledScript {
  /** The job without `checkpoint` (the runner sets it). */
  spec: Omit<JobSpec, 'checkpoint'>;
  sources: SourceInfo[];
  sinks: SinkInfo[];
}

/** A job name from a script's file name: `examples/sessions.sql` → `sessions`. */
export function jobNameOf(file: string): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9_.:-]/g, '_');
  return stem === '' ? 'script' : stem;
}

/**
 * Compiles a pipeline script (docs/pipelines.md) for a run in this process.
 *
 * @throws SqlSyntaxError, SinkConfigError or PipelineSqlError, as `pipelineFromSql`.
 */
export async function compileScript(sql: string, options: CompileOptions = {}): Promise<CompiledScript> {
  const base = options.baseDir ?? process.cwd();
  const compiled = await pipelineFromSql(sql, {
    name: options.name ?? 'script',
    shards: options.shards ?? DEFAULT_RUN_SHARDS,
    ...(options.sinkAddress === undefined ? {} : { redisAddress: options.sinkAddress }),
  });
  const sources = compiled.sources.map((s) => localSource(s, base));
  const sinks: SinkInfo[] = [];
  for (const t of compiled.tables) {
    const { sources: feeds, shards: _, ...front } = t;
    sinks.push(sinkInfo(await tableOf(front as never), feeds ?? sources.map((s) => s.name)));
  }
  return { spec: { ...compiled, sources }, sources: sources.map(sourceInfo), sinks };
}

function localSource(s: SourceSpec, base: string): SourceSpec {
  if (s.type !== 'jsonl') return s;
  return { ...s, files: s.files.map((f) => (isAbsolute(f) ? f : resolve(base, f))) };
}

function sourceInfo(s: SourceSpec): SourceInfo {
  switch (s.type) {
    case 'generator': {
      const partitions = s.partitions ?? 1;
      return {
        name: s.name,
        total: partitions * s.rowsPerPartition,
        channels: Array.from({ length: partitions }, (_, p) => `${s.name}/${p}`),
      };
    }
    case 'jsonl':
      return { name: s.name, channels: s.files };
    case 'ingest':
      return { name: s.name, channels: [] };
    case 'redis-stream':
      return { name: s.name, channels: (s.streams ?? []).map((k) => `${s.name}/${k}`) };
    case 'redis-pubsub':
      return { name: s.name, channels: [s.name] };
  }
}

/** How progress reports and the read-back show a sink table. */
export function sinkInfo(model: SinkTable, sources: string[]): SinkInfo {
  const t = model.target;
  const c = model.profile.connection;
  const template = keyTemplateOf(t);
  const parsed = template === undefined ? undefined : parseKeyTemplate(template);
  let prefix = keyPrefixOf(t);
  let match = `${globEscape(prefix)}*`;
  if (parsed !== undefined && typeof parsed !== 'string') {
    const shown = parsed.literals.join('*');
    prefix = shown.endsWith('*') ? shown.slice(0, -1) : shown;
    match = parsed.literals.map(globEscape).join('*');
  }
  return {
    name: model.name,
    type: t.type,
    prefix,
    match,
    sources,
    address:
      c.kind === 'standalone'
        ? c.address
        : c.kind === 'cluster'
          ? c.addresses.join(',')
          : `${c.masterName} via ${c.sentinels.join(',')}`,
  };
}

/** The directory a script file's relative paths are resolved against. */
export const scriptDir = (file: string) => dirname(resolve(file));
