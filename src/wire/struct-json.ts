/**
 * JSON ↔ `google.protobuf.Struct` in the proto3 object form that `@grpc/proto-loader` (protobufjs)
 * and most dynamic gRPC libraries use: `{ fields: { name: { stringValue: 'x' } } }`. The typed
 * clients of this package (ts-proto) need none of it: their Struct fields are plain JSON objects.
 *
 * ```
 * { "connection": { "address": "redis://h:6379" } }
 *   ⇄ { fields: { connection: { structValue: { fields: { address: { stringValue: 'redis://h:6379' } } } } } }
 * ```
 */
import { invalidArgument } from './control-errors.js';

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** `google.protobuf.Struct` as an object: a map of {@link ProtoValue}s. */
export interface ProtoStruct {
  fields: { [key: string]: ProtoValue };
}

/**
 * `google.protobuf.Value` as an object: exactly one member set. Decoders may add `kind` (the
 * name of the member set, proto-loader's `oneofs: true`) and give `nullValue` as the number 0.
 */
export type ProtoValue =
  | { nullValue: 'NULL_VALUE' | 0; kind?: 'nullValue' }
  | { numberValue: number; kind?: 'numberValue' }
  | { stringValue: string; kind?: 'stringValue' }
  | { boolValue: boolean; kind?: 'boolValue' }
  | { structValue: ProtoStruct; kind?: 'structValue' }
  | { listValue: { values: ProtoValue[] }; kind?: 'listValue' };

const KINDS = ['nullValue', 'numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue'] as const;

/** Deepest nesting converted; the coordinator takes 64 levels, so this is only a guard. */
const MAX_DEPTH = 100;

/**
 * A JSON object as a `google.protobuf.Struct` object (for `config`, `schema`, `spec` of requests
 * sent through `@grpc/proto-loader`). Members set to `undefined` are left out, as
 * `JSON.stringify` does; a value with a `toJSON()` (a Date) is converted as JSON would.
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT` naming the path of a value JSON cannot hold (NaN,
 *   Infinity, a bigint, a function, a symbol).
 */
export function toStruct(json: { readonly [key: string]: unknown }): ProtoStruct {
  if (!isPlainObject(json)) throw invalidArgument('toStruct: expected a JSON object');
  return structOf(json, '', 0);
}

/**
 * A `google.protobuf.Struct` object (as `@grpc/proto-loader` decodes it, with or without
 * `oneofs`, enums as strings or numbers) as a JSON object.
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT` naming the path of a Value with no member set.
 */
export function fromStruct(struct: ProtoStruct): JsonObject {
  return jsonOf(struct, '', 0);
}

/** {@link toStruct} for any JSON value (a `google.protobuf.Value`). */
export function toProtoValue(value: unknown): ProtoValue {
  return protoValueOf(value, '', 0);
}

/** {@link fromStruct} for a `google.protobuf.Value`. */
export function fromProtoValue(value: ProtoValue): JsonValue {
  return jsonValueOf(value, '', 0);
}

function structOf(obj: { readonly [key: string]: unknown }, path: string, depth: number): ProtoStruct {
  const fields: { [key: string]: ProtoValue } = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    fields[k] = protoValueOf(v, `${path}.${k}`, depth + 1);
  }
  return { fields };
}

function protoValueOf(v: unknown, path: string, depth: number): ProtoValue {
  if (depth > MAX_DEPTH) throw invalidArgument(`toStruct: ${at(path)} nests deeper than ${MAX_DEPTH} levels`);
  if (v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(): unknown }).toJSON();
  }
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (!Number.isFinite(v)) throw invalidArgument(`toStruct: ${at(path)} is ${v}, which JSON cannot hold`);
      return { numberValue: v };
    case 'object':
      if (v === null) return { nullValue: 'NULL_VALUE' };
      if (Array.isArray(v)) {
        // JSON.stringify writes null for holes and undefined entries of arrays.
        return {
          listValue: {
            values: Array.from(v, (x, i) =>
              x === undefined ? { nullValue: 'NULL_VALUE' } : protoValueOf(x, `${path}[${i}]`, depth + 1),
            ),
          },
        };
      }
      return { structValue: structOf(v as Record<string, unknown>, path, depth) };
    default:
      throw invalidArgument(`toStruct: ${at(path)} is a ${typeof v}, which JSON cannot hold`);
  }
}

function jsonOf(struct: ProtoStruct, path: string, depth: number): JsonObject {
  const out: JsonObject = {};
  const fields = struct?.fields ?? {};
  for (const [k, v] of Object.entries(fields)) out[k] = jsonValueOf(v, `${path}.${k}`, depth + 1);
  return out;
}

function jsonValueOf(v: ProtoValue, path: string, depth: number): JsonValue {
  if (depth > MAX_DEPTH)
    throw invalidArgument(`fromStruct: ${at(path)} nests deeper than ${MAX_DEPTH} levels`);
  const value = v as Partial<Record<(typeof KINDS)[number], unknown>> & { kind?: unknown };
  // With `kind` the decoder says which member is set (the others may hold defaults); without
  // it, the one member present is.
  const kind = typeof value.kind === 'string' ? value.kind : KINDS.find((k) => value[k] !== undefined);
  switch (kind) {
    case 'nullValue':
      return null;
    case 'numberValue':
      return value.numberValue as number;
    case 'stringValue':
      return value.stringValue as string;
    case 'boolValue':
      return value.boolValue as boolean;
    case 'structValue':
      return jsonOf(value.structValue as ProtoStruct, path, depth);
    case 'listValue': {
      const list = (value.listValue as { values?: ProtoValue[] } | undefined)?.values ?? [];
      return list.map((x, i) => jsonValueOf(x, `${path}[${i}]`, depth + 1));
    }
    default:
      throw invalidArgument(`fromStruct: ${at(path)} is a google.protobuf.Value with no kind set`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(path: string): string {
  return path === '' ? 'the value' : `'${path.startsWith('.') ? path.slice(1) : path}'`;
}
