/**
 * Placement of units (table shards, pipelines) on workers: balanced, and moving as little as
 * possible. Pure, so the rules are unit-tested without processes.
 *
 * Rules, for n units over w live workers (cap = ⌈n / w⌉):
 * 1. a unit on a live worker that holds at most `cap` units stays;
 * 2. a worker above `cap` gives up its newest units (the ones placed last) until it is at `cap`;
 * 3. every unit without a live worker goes to the worker with the fewest units (ties: the
 *    worker id that sorts first), so placement is deterministic.
 */
export interface PlacementInput {
  /** Unit ids, in a stable order (e.g. table id + shard index). */
  units: readonly string[];
  /** Live worker ids. */
  workers: readonly string[];
  /** Where units are now (worker id); units absent or on a dead worker are unplaced. */
  current: ReadonlyMap<string, string>;
}

export interface Placement {
  /** Where each unit should be (absent: no live worker at all). */
  target: Map<string, string>;
  /** Units that must leave a live worker (revoked there first), with where they go. */
  moves: Array<{ unit: string; from: string; to: string }>;
}

export function place(input: PlacementInput): Placement {
  const target = new Map<string, string>();
  const moves: Placement['moves'] = [];
  const workers = [...input.workers].sort();
  if (workers.length === 0) return { target, moves };
  const cap = Math.ceil(input.units.length / workers.length);
  const held = new Map<string, string[]>(workers.map((w) => [w, []]));
  const unplaced: string[] = [];
  for (const unit of input.units) {
    const w = input.current.get(unit);
    const list = w === undefined ? undefined : held.get(w);
    if (list === undefined) unplaced.push(unit);
    else list.push(unit);
  }
  const leaving = new Map<string, string>();
  for (const [w, list] of held) {
    while (list.length > cap) {
      const unit = list.pop()!;
      leaving.set(unit, w);
      unplaced.push(unit);
    }
    for (const unit of list) target.set(unit, w);
  }
  for (const unit of unplaced) {
    let best = workers[0];
    for (const w of workers) if (held.get(w)!.length < held.get(best)!.length) best = w;
    held.get(best)!.push(unit);
    target.set(unit, best);
    const from = leaving.get(unit);
    if (from !== undefined && from !== best) moves.push({ unit, from, to: best });
  }
  return { target, moves };
}
