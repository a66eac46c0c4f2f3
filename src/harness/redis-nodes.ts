/**
 * The harness's own view of the Redis it writes to, over one connection of the profile apart
 * from the sink's: the masters, their `INFO` figures, and the keys under a prefix (found with
 * `SCAN` on every master, deleted with `UNLINK`). On a cluster each node-wide command (`INFO`,
 * `SCAN`) is routed by a slot its master serves, as `waitReplicas` routes `WAIT`.
 */
import { ReplyError } from '../resp/errors.js';
import type { Command, Reply } from '../resp/reply.js';
import type { RedisTransport } from '../resp/target.js';
import { connectProfile } from '../schema/connect.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import type { BenchNodeFigures } from './bench-report.js';

/** One master and a slot that routes to it. */
interface Master {
  node: string;
  slot: number;
}

/** `INFO` counters of one node at one moment. */
export interface NodeSample {
  node: string;
  cpuSec: number;
  memoryBytes: number;
  commands: number;
  at: number;
}

/** Keys deleted or seen per page of `SCAN`. */
const SCAN_COUNT = 1_000;

export class RedisNodes {
  readonly #t: RedisTransport;
  readonly #standaloneName: string;

  private constructor(transport: RedisTransport, standaloneName: string) {
    this.#t = transport;
    this.#standaloneName = standaloneName;
  }

  /** Connects once more for the profile (secrets resolved from `env`). */
  static async open(profile: ConnectionProfile, env: NodeJS.ProcessEnv): Promise<RedisNodes> {
    const c = profile.connection;
    const name =
      c.kind === 'standalone' ? hostPort(c.address) : c.kind === 'sentinel' ? `sentinel:${c.masterName}` : '';
    return new RedisNodes(await connectProfile(profile, env), name);
  }

  /** The transport itself, for reading back what landed. */
  get transport(): RedisTransport {
    return this.#t;
  }

  /** Every master serving slots (the one server of a standalone or Sentinel connection). */
  masters(): Master[] {
    const map = (this.#t as { slotMap?: { owners: readonly (string | undefined)[] } }).slotMap;
    if (map === undefined) return [{ node: this.#standaloneName, slot: 0 }];
    const first = new Map<string, number>();
    map.owners.forEach((owner, slot) => {
      if (owner !== undefined && !first.has(owner)) first.set(owner, slot);
    });
    return [...first].map(([node, slot]) => ({ node, slot }));
  }

  /**
   * `INFO` of every master, now; empty when the server refuses `INFO` (an ACL without it, a
   * managed Redis that renamed it): the run goes on without Redis-side figures.
   */
  async sample(): Promise<NodeSample[]> {
    const masters = this.masters();
    let replies: Reply[];
    try {
      replies = await this.#onEach(masters, () => ['INFO']);
    } catch (err) {
      if (err instanceof ReplyError) return [];
      throw err;
    }
    const at = performance.now();
    return replies.map((reply, i) => {
      const info = parseInfo(String(reply));
      return {
        node: masters[i].node,
        cpuSec: num(info.used_cpu_sys) + num(info.used_cpu_user),
        memoryBytes: num(info.used_memory),
        commands: num(info.total_commands_processed),
        at,
      };
    });
  }

  /** A key under `prefix` on some master, or null when there is none. */
  async anyKey(pattern: string): Promise<string | null> {
    let found: string | null = null;
    await this.#scan(pattern, (keys) => {
      found = keys[0];
      return false;
    });
    return found;
  }

  /** Deletes every key matching `pattern` on every master; resolves with how many. */
  async deleteMatching(pattern: string): Promise<number> {
    let deleted = 0;
    const pending: Promise<Reply[]>[] = [];
    await this.#scan(pattern, (keys) => {
      deleted += keys.length;
      pending.push(this.#t.pipeline(keys.map((k) => ['UNLINK', k])));
      return true;
    });
    await Promise.all(pending);
    return deleted;
  }

  close(): Promise<void> {
    return this.#t.close();
  }

  /** Runs `SCAN ... MATCH pattern` on every master; `page` returns false to stop. */
  async #scan(pattern: string, page: (keys: string[]) => boolean): Promise<void> {
    for (const m of this.masters()) {
      let cursor = '0';
      do {
        const [reply] = await this.#onEach([m], () => [
          'SCAN',
          cursor,
          'MATCH',
          pattern,
          'COUNT',
          SCAN_COUNT,
        ]);
        if (reply instanceof Error) throw reply;
        const [next, keys] = reply as [unknown, unknown[]];
        cursor = String(next);
        if (keys.length > 0 && !page(keys.map(String))) return;
      } while (cursor !== '0');
    }
  }

  async #onEach(masters: Master[], command: () => Command): Promise<Reply[]> {
    const replies = await this.#t.pipelineSlots(
      masters.map(command),
      masters.map((m) => m.slot),
    );
    for (const r of replies) if (r instanceof Error) throw r;
    return replies;
  }
}

/** Counter differences between two samples of the same nodes. */
export function nodeFigures(before: NodeSample[], after: NodeSample[]): BenchNodeFigures[] {
  // A node without a sample before the run (INFO refused then) has no difference to show.
  return after.map((a) => {
    const b = before.find((s) => s.node === a.node);
    const secs = b === undefined ? 0 : (a.at - b.at) / 1000;
    return {
      node: a.node,
      usedCpuSec: b === undefined ? 0 : round3(a.cpuSec - b.cpuSec),
      usedMemoryBytes: a.memoryBytes,
      opsPerSec: b === undefined || secs <= 0 ? 0 : Math.round((a.commands - b.commands) / secs),
    };
  });
}

/** A `SCAN MATCH` pattern matching exactly the keys that start with `prefix`. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}

const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v) || 0);
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function hostPort(address: string): string {
  try {
    const u = new URL(address);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis';
  }
}
