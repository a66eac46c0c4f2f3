/**
 * The coordinator addresses a worker or a producer is given — a list, or one name that resolves
 * to several addresses (a Kubernetes headless Service, a DNS round robin) — as the addresses to
 * try, in order. A name is resolved again on every round (`dns.promises.lookup(host, { all: true
 * })`): the members behind it change as coordinators are replaced.
 */
import dns from 'node:dns';
import { isIP } from 'node:net';

/** One address to dial. */
export interface CoordinatorEndpoint {
  /** `host:port` (IPv6 in brackets). */
  address: string;
  /**
   * The entry it was resolved from (`name:port`), when a name stood for several addresses: the
   * channel's authority, and the name a TLS certificate is checked against.
   */
  entry?: string;
}

/** Resolves a host name to all its addresses. */
export type LookupAll = (host: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

const lookupAll: LookupAll = (host) => dns.promises.lookup(host, { all: true });

/** Splits `host:port` / `[v6]:port`; undefined when it is not that. */
function hostAndPort(entry: string): { host: string; port: string } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry);
  if (m === null) return undefined;
  return { host: m[1] ?? m[2], port: m[3] };
}

/**
 * The addresses to try this round, in the order given: each entry as it is, except a host name
 * that resolves to several addresses, which stands for each of them in the resolver's order. A
 * name that does not resolve stays as it is (dialing it reports the failure); duplicates are
 * dropped.
 */
export async function expandAddresses(
  entries: readonly string[],
  lookup: LookupAll = lookupAll,
): Promise<CoordinatorEndpoint[]> {
  const rounds = await Promise.all(
    entries.map(async (entry): Promise<CoordinatorEndpoint[]> => {
      const hp = hostAndPort(entry);
      if (hp === undefined || isIP(hp.host) !== 0) return [{ address: entry }];
      let found: ReadonlyArray<{ address: string; family: number }>;
      try {
        found = await lookup(hp.host);
      } catch {
        return [{ address: entry }];
      }
      const addresses = [...new Set(found.map((a) => (a.family === 6 ? `[${a.address}]` : a.address)))];
      if (addresses.length < 2) return [{ address: entry }];
      return addresses.map((a) => ({ address: `${a}:${hp.port}`, entry }));
    }),
  );
  const seen = new Set<string>();
  return rounds.flat().filter((e) => !seen.has(e.address) && seen.add(e.address));
}

/** Channel options that keep a resolved address's name: authority and TLS server name. */
export function endpointChannelOptions(e: CoordinatorEndpoint): Record<string, string> {
  if (e.entry === undefined) return {};
  const hp = hostAndPort(e.entry);
  return hp === undefined
    ? {}
    : { 'grpc.default_authority': e.entry, 'grpc.ssl_target_name_override': hp.host };
}

/** The entries of a comma-separated address list (blanks ignored). */
export function addressList(v: string): string[] {
  return v
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}
