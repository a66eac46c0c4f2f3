/**
 * The one place where sink configuration is validated. Each front door (json.ts, sql-ddl.ts,
 * validate-model.ts) only reshapes its input into a draft of canonical fields holding `unknown` values,
 * and says how it spells each field; every rule below then applies identically to all three.
 */

import { suggestionSuffix } from '../../schema/did-you-mean.js';
import type { ProfileField } from '../../schema/profile-check.js';
import { type Door as FieldDoor, Reporter as FieldReporter } from '../../schema/reporter.js';
import { SINK_MODES } from '../changelog.js';
import { parseKeyTemplate } from '../key-template.js';
import {
  type Column,
  type ConnectionProfile,
  DEFAULT_BATCH_SIZE,
  DEFAULT_FLUSH_INTERVAL_MS,
  MAX_CONNECTIONS_PER_NODE,
  type OnError,
  type SinkTable,
} from '../model.js';
import {
  keyColumnOf,
  keyTemplateOf,
  ownFields,
  TARGET_FIELDS,
  TARGET_TYPES,
  type Target,
  type TargetField,
  type TargetType,
  writerFor,
  writerOf,
} from '../writers/index.js';
import type { TargetChecks } from '../writers/writer.js';
import { checkChangelog } from './changelog-check.js';

/** Suffix of the default dead-letter list: `<table name>:dead_letter`. */
export const DEFAULT_DEAD_LETTER_SUFFIX = ':dead_letter';
/** The value column of a Raw-format table without a schema. */
export const DEFAULT_RAW_VALUE_COLUMN = 'value';

export type { TargetField, TargetType };

/** Every field the validator knows, under its canonical (model) name. */
export type Field =
  | TargetField
  | 'name'
  | 'connector'
  | 'target'
  | 'targetType'
  | 'format'
  | 'onError'
  | 'mode'
  | 'deleteEvents'
  | 'deadLetterKey'
  | 'batchSize'
  | 'flushIntervalMs'
  | 'delivery'
  | 'waitReplicas'
  | 'connectionsPerNode'
  | 'maxPipelinesInFlight'
  | 'schema'
  | 'valueColumn'
  | ProfileField;

/** How one front door spells the sink's fields. */
export type Door = FieldDoor<Field>;

/** Raises errors about one table or profile in one door's spelling of the sink's fields. */
export class Reporter extends FieldReporter<Field> {}

export { checkConnector, checkName, checkProfile, type ProfileDraft } from '../../schema/profile-check.js';
export { gotType } from '../../schema/reporter.js';

// ---------------------------------------------------------------------------------------------
// Table

/** Table fields before validation, under canonical names. */
export interface TableDraft {
  name: string;
  profile: ConnectionProfile;
  /** Explicit target kind (SQL `'sink.type'`, TS `target.type`); undefined: inferred from the fields. */
  targetType?: unknown;
  target: Partial<Record<TargetField, unknown>>;
  format?: unknown;
  onError?: unknown;
  mode?: unknown;
  deleteEvents?: unknown;
  deadLetterKey?: unknown;
  batchSize?: unknown;
  flushIntervalMs?: unknown;
  delivery?: unknown;
  waitReplicas?: unknown;
  connectionsPerNode?: unknown;
  maxPipelinesInFlight?: unknown;
  /** Only the TypeScript door may state it (re-validating a model); it must match the rule. */
  valueColumn?: unknown;
  /** Already parsed by the door (types looked up); checked here for duplicates. */
  schema?: Column[];
}

const ON_ERROR: readonly OnError[] = ['fail', 'skip', 'dead_letter'];

export function checkTable(r: Reporter, draft: TableDraft): SinkTable {
  const schema = draft.schema === undefined ? undefined : checkSchema(r, draft.schema);
  const target = checkTarget(r, draft, schema);
  const format = r.oneOf('format', draft.format, ['json', 'raw'] as const) ?? 'json';
  const onError = r.oneOf('onError', draft.onError, ON_ERROR) ?? 'fail';
  const table: SinkTable = {
    name: draft.name,
    profile: draft.profile,
    target,
    format,
    onError,
    batchSize: r.positiveInteger('batchSize', draft.batchSize) ?? DEFAULT_BATCH_SIZE,
    flushIntervalMs: r.positiveInteger('flushIntervalMs', draft.flushIntervalMs) ?? DEFAULT_FLUSH_INTERVAL_MS,
    delivery:
      r.oneOf('delivery', draft.delivery, ['at_least_once', 'exactly_once'] as const) ??
      (writerOf(target).exactlyOnceByDefault(target) ? 'exactly_once' : 'at_least_once'),
  };
  if (table.delivery === 'exactly_once' && writerOf(target).fenced(target) === null) {
    r.fail(
      'delivery',
      `cannot be 'exactly_once' for a ${writerOf(target).title} target: a published message cannot be taken back, so delivery is at least once (give '${r.door.option('messageIdField')}' so that subscribers can drop repeats)`,
    );
  }
  const connections = r.positiveInteger('connectionsPerNode', draft.connectionsPerNode);
  if (connections !== undefined && connections > 1 && table.delivery === 'exactly_once') {
    r.fail(
      'connectionsPerNode',
      `must be 1 when '${r.door.option('delivery')}' is 'exactly_once'${draft.delivery === undefined ? ` (the default for a ${writerOf(target).title} target)` : ''}: fenced calls keep their order over one connection per node; 'at_least_once' allows more (got ${connections})`,
    );
  }
  if (connections !== undefined && connections > MAX_CONNECTIONS_PER_NODE) {
    r.fail('connectionsPerNode', `must be at most ${MAX_CONNECTIONS_PER_NODE} (got ${connections})`);
  }
  if (connections !== undefined) table.connectionsPerNode = connections;
  const pipelines = r.positiveInteger('maxPipelinesInFlight', draft.maxPipelinesInFlight);
  if (pipelines !== undefined) table.maxPipelinesInFlight = pipelines;
  const waitReplicas = r.positiveInteger('waitReplicas', draft.waitReplicas);
  if (waitReplicas !== undefined) table.waitReplicas = waitReplicas;
  if (schema !== undefined) table.schema = schema;

  const deadLetterKey = r.string('deadLetterKey', draft.deadLetterKey);
  if (deadLetterKey !== undefined && onError !== 'dead_letter') {
    r.fail('deadLetterKey', `applies only when '${r.door.option('onError')}' is 'dead_letter'`);
  }
  if (onError === 'dead_letter')
    table.deadLetterKey = deadLetterKey ?? draft.name + DEFAULT_DEAD_LETTER_SUFFIX;

  const shape = writerOf(target).shape(target);
  const own = shape.value ?? (shape.columns === undefined ? undefined : { role: 'column' });
  if (format === 'raw' && own !== undefined) {
    r.fail(
      'format',
      own.role === 'column'
        ? `'raw' does not apply: each column is written as a field of its own`
        : `'raw' does not apply: the ${own.role} column is what each row writes`,
    );
  }
  if ('messageIdField' in target && target.messageIdField !== undefined) {
    const id = target.messageIdField;
    if (format === 'raw')
      r.fail('messageIdField', "applies only to the 'json' format: it is a field added to each JSON message");
    if (schema?.some((c) => c.name === id))
      r.fail('messageIdField', `is '${id}', a column of the schema: name a field the rows do not have`);
  }
  checkChangelog(r, table, r.oneOf('mode', draft.mode, SINK_MODES), draft.deleteEvents);
  if (format === 'raw') {
    table.valueColumn = rawValueColumn(r, target, schema, draft.valueColumn);
  } else if (draft.valueColumn !== undefined) {
    r.fail('valueColumn', "applies only to the 'raw' format");
  }
  return table;
}

function checkSchema(r: Reporter, columns: Column[]): Column[] {
  if (columns.length === 0) r.fail('schema', 'must declare at least one column');
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) r.fail('schema', `declares column '${c.name}' twice`);
    seen.add(c.name);
  }
  return columns;
}

function checkTarget(r: Reporter, draft: TableDraft, schema: Column[] | undefined): Target {
  const given = TARGET_FIELDS.filter((f) => draft.target[f] !== undefined);
  const present = (type: TargetType) => ownFields(type).filter((f) => draft.target[f] !== undefined);
  const title = (type: TargetType) => writerFor(type).title;
  let type = r.oneOf('targetType', draft.targetType, TARGET_TYPES);
  if (type === undefined) {
    const kinds = TARGET_TYPES.filter((t) => present(t).length > 0);
    if (kinds.length === 0) {
      const firsts = TARGET_TYPES.map(
        (t) => `'${r.door.option(writerFor(t).options[0].field)}' (${title(t)})`,
      );
      r.fail(
        given.length > 0 ? 'targetType' : 'target',
        given.length > 0
          ? `is required: ${given.map((f) => `'${r.door.option(f)}'`).join(', ')} ${given.length === 1 ? 'does' : 'do'} not tell which type of target this is`
          : `is required: give ${firsts.join(', ')} with its fields`,
      );
    }
    if (kinds.length > 1) {
      const parts = kinds.map(
        (t) =>
          `${title(t)} (${present(t)
            .map((f) => `'${r.door.option(f)}'`)
            .join(', ')})`,
      );
      r.fail('target', `mixes fields of different targets: ${parts.join(' and ')}; use one of them`);
    }
    type = kinds[0];
  }
  const accepted = new Set<string>(writerFor(type).options.map((o) => o.field));
  const stray = given.filter((f) => !accepted.has(f));
  if (stray.length > 0) {
    const how = draft.targetType === undefined ? '' : ` ('${r.door.option('targetType')}' is '${type}')`;
    r.fail(stray[0], `does not apply to a ${title(type)} target${how}`);
  }

  const t = draft.target;
  const inSchema = (field: TargetField, name: string): void => {
    if (schema !== undefined && !schema.some((c) => c.name === name)) {
      const names = schema.map((c) => c.name);
      r.fail(field, `names column '${name}', which is not in the schema${suggestionSuffix(name, names)}`);
    }
  };
  const checks: TargetChecks<TargetField> = {
    prefix: (field, required = true) => r.string(field, t[field], { required, nonEmpty: false }),
    column(field, required) {
      const name = r.string(field, t[field], { required });
      if (name !== undefined) inSchema(field, name);
      return name;
    },
    positiveInteger: (field) => r.positiveInteger(field, t[field]),
    name: (field) => r.string(field, t[field]),
    template(field) {
      const source = r.string(field, t[field], { required: true })!;
      const parsed = parseKeyTemplate(source);
      if (typeof parsed === 'string') r.fail(field, parsed);
      for (const c of parsed.columns) inSchema(field, c);
      return source;
    },
    choice(field, choices, required) {
      if (required && t[field] === undefined) r.fail(field, `is required (${orList(choices)})`);
      return r.oneOf(field, t[field], choices);
    },
    has: (field) => t[field] !== undefined,
    columnType: (column) => schema?.find((c) => c.name === column)?.type,
    fail: (field, message) => r.fail(field, message),
    option: (field) => `'${r.door.option(field)}'`,
  };
  return writerFor(type).check(checks);
}

/** `'a', 'b' or 'c'`. */
export function orList(choices: readonly string[]): string {
  const quoted = choices.map((c) => `'${c}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** Columns that make the key, field, score or TTL; they never count as the Raw value. */
export function keyColumns(target: Target): string[] {
  const shape = writerOf(target).shape(target);
  const template = keyTemplateOf(target);
  const parsed = template === undefined ? undefined : parseKeyTemplate(template);
  const out = [keyColumnOf(target), shape.field?.column, shape.ttl?.column].filter(
    (c): c is string => c !== undefined,
  );
  if (parsed !== undefined && typeof parsed !== 'string') out.push(...parsed.columns);
  return [...new Set(out)];
}

/**
 * Raw format writes one column's bytes: the one column that is not a key/field column, or the
 * column named `value`. Without a schema, rows are only known at write time, so the rule is
 * fixed up front: the value is the column named `value`.
 */
function rawValueColumn(r: Reporter, target: Target, schema: Column[] | undefined, stated: unknown): string {
  let derived: string;
  if (schema === undefined) {
    derived = DEFAULT_RAW_VALUE_COLUMN;
    if (keyColumns(target).includes(derived)) {
      r.fail(
        'format',
        `'raw' without a schema writes the column 'value', which is used as a key or field column`,
      );
    }
  } else {
    const keys = keyColumns(target);
    const candidates = schema.map((c) => c.name).filter((n) => !keys.includes(n));
    if (candidates.length === 1) derived = candidates[0];
    else if (candidates.includes(DEFAULT_RAW_VALUE_COLUMN)) derived = DEFAULT_RAW_VALUE_COLUMN;
    else {
      const listed = candidates.length === 0 ? 'none' : candidates.map((c) => `'${c}'`).join(', ');
      r.fail(
        'format',
        `is 'raw', which needs exactly one value column besides the key/field columns, or one named 'value' (value columns: ${listed})`,
      );
    }
  }
  if (stated !== undefined && stated !== derived) {
    r.fail(
      'valueColumn',
      `must be '${derived}', the column the 'raw' format writes (${r.got('valueColumn', stated)})`,
    );
  }
  return derived;
}
