/**
 * Where pipelines created through the control API may touch the coordinator's file system: the
 * JSON-lines files they read and the checkpoint directories they write (and create). Without a
 * policy, anyone allowed to call the API could read any file the coordinator's user can (and
 * stream it into Redis) or create directories anywhere.
 *
 * Allowed: the data directory and the directories the operator lists (`allowedDirs`,
 * `--allow-dir`). Inside the data directory, the coordinator's own files stay off limits: the
 * metadata file and lock are never read, tables' checkpoints are never read or written, and a
 * pipeline keeps its checkpoints under `pipelines/`. Symbolic links are followed before the check,
 * so a link inside an allowed directory cannot lead out of it.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { JobSpec } from '../plan/job-spec.js';
import { invalidArgument } from '../wire/control-errors.js';
import { METADATA_FILE } from './metadata-store.js';

/** The roots a pipeline's paths must stay in. */
export interface PathPolicy {
  /** The coordinator's data directory. */
  dataDir: string;
  /** Further directories the operator allows (JSON-lines input, shared checkpoint volumes). */
  allowedDirs?: readonly string[];
}

/** Entries of the data directory no pipeline reads: the coordinator's own state. */
const RESERVED = [METADATA_FILE, 'LOCK', 'tables', 'pipelines'];

/**
 * Checks every path of a validated job spec (absolute already) against the policy: first as
 * written (a path outside is refused without touching the file system), then with its links
 * resolved.
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT` naming the spec field, never the file's contents.
 */
export async function checkPipelinePaths(spec: JobSpec, policy: PathPolicy): Promise<void> {
  const forms = async (d: string, what: string) => [...new Set([resolve(d), await real(resolve(d), what)])];
  const roots: Roots = {
    data: await forms(policy.dataDir, 'the data directory'),
    others: (
      await Promise.all((policy.allowedDirs ?? []).map((d) => forms(d, 'an allowed directory')))
    ).flat(),
  };
  for (const [i, s] of spec.sources.entries()) {
    if (s.type !== 'jsonl') continue;
    for (const [j, file] of s.files.entries()) {
      const field = `job spec: sources[${i}].files[${j}]`;
      if (!readable(roots, file) || !readable(roots, await real(file, field))) {
        throw invalidArgument(
          `${field}: must be a file in the data directory (outside the coordinator's own state) or in a directory allowed with --allow-dir`,
        );
      }
    }
  }
  const field = 'job spec: checkpoint.dir';
  const dir = spec.checkpoint.dir;
  if (!writable(roots, dir) || !writable(roots, await real(dir, field))) {
    throw invalidArgument(
      `${field}: must be a directory under pipelines/ of the data directory, or in a directory allowed with --allow-dir`,
    );
  }
}

/** The data directory and the allowed directories, each as given and with its links resolved. */
interface Roots {
  data: string[];
  others: string[];
}

function readable(roots: Roots, p: string): boolean {
  const own = (d: string) => RESERVED.some((r) => p === join(d, r) || inside(join(d, r), p)) || isTemp(d, p);
  return roots.data.some((d) => inside(d, p) && !own(d)) || roots.others.some((d) => inside(d, p));
}

function writable(roots: Roots, p: string): boolean {
  return roots.data.some((d) => inside(join(d, 'pipelines'), p)) || roots.others.some((d) => inside(d, p));
}

/** True when `p` lies strictly below `root`. */
function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r !== '' && r.split(sep)[0] !== '..' && !isAbsolute(r);
}

/** A temp file of an interrupted metadata write (`metadata.json.<hex>.tmp`). */
function isTemp(data: string, p: string): boolean {
  return dirname(p) === data && basename(p).startsWith(`${METADATA_FILE}.`);
}

/**
 * `p` with the symbolic links of its existing part resolved; the part that does not exist yet is
 * appended as written (it cannot be a link). A path that cannot be resolved (a loop of links, no
 * permission) is refused, naming `field`.
 */
async function real(p: string, field: string): Promise<string> {
  const missing: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return join(await realpath(cur), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw invalidArgument(`${field}: the path cannot be resolved (${code})`);
      const parent = dirname(cur);
      if (parent === cur) return p;
      missing.push(basename(cur));
      cur = parent;
    }
  }
}
