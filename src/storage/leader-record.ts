/**
 * The record a lease holder keeps beside its lease: its epoch and the addresses it advertised,
 * `<epoch> <JSON {grpc?, http?}>`, one value in both stores (a Redis key with the lease's time to
 * live; a file in the data directory). A record of another epoch than the holder's is a
 * predecessor's and names nobody.
 */
import { StateStoreError } from './state-errors.js';
import type { LeaderAddresses, LeaseHolder } from './state-store.js';

/** `host:port`, `[v6]:port`: no scheme, path, spaces or credentials. */
const ADDRESS = /^(\[[0-9A-Fa-f:.%A-Za-z]+\]|[A-Za-z0-9._-]+):[0-9]{1,5}$/;

/**
 * The addresses as the record's JSON, or '' when there are none.
 *
 * @throws StateStoreError `ERR_STATE_URL` for an address that is not `host:port`.
 */
export function addressesJson(addresses: LeaderAddresses | undefined): string {
  if (addresses === undefined) return '';
  const out: LeaderAddresses = {};
  for (const key of ['grpc', 'http'] as const) {
    const v = addresses[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > 300 || !ADDRESS.test(v)) {
      throw new StateStoreError('ERR_STATE_URL', `an advertised ${key} address must be host:port`);
    }
    out[key] = v;
  }
  return out.grpc === undefined && out.http === undefined ? '' : JSON.stringify(out);
}

/** The whole record of `epoch`. */
export function leaderRecord(epoch: number, json: string): string {
  return `${epoch} ${json}`;
}

/**
 * The holder of `epoch` as a record names it: its addresses when the record is of that epoch
 * and well formed, else the epoch alone.
 */
export function readLeaderRecord(record: string | undefined, epoch: number): LeaseHolder {
  const holder: LeaseHolder = { epoch };
  if (record === undefined) return holder;
  const cut = record.indexOf(' ');
  if (cut < 0 || Number(record.slice(0, cut)) !== epoch) return holder;
  try {
    const parsed = JSON.parse(record.slice(cut + 1)) as Record<string, unknown>;
    for (const key of ['grpc', 'http'] as const) {
      const v = parsed[key];
      if (typeof v === 'string' && ADDRESS.test(v)) holder[key] = v;
    }
  } catch {
    // A damaged record names nobody; the lease itself is unaffected.
  }
  return holder;
}
