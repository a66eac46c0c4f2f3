/** A Dockerfile read far enough to check it: its stages and their instructions. */

export interface Instruction {
  /** Upper case: `FROM`, `RUN`, `COPY`, ... */
  name: string;
  /** Everything after the name, continuation lines joined. */
  args: string;
}

export interface Stage {
  /** The image it starts from. */
  from: string;
  /** Its `AS` name, if any. */
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole !== '') logical.push(whole);
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const cut = line.search(/\s/);
    const name = line.slice(0, cut).toUpperCase();
    const args = line.slice(cut).trim();
    if (name === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (m === null) throw new Error(`cannot read FROM ${args}`);
      stages.push({ from: m[1], name: m[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${name} before any FROM`);
    stage.instructions.push({ name, args });
  }
  return stages;
}

/** The instructions of one kind in a stage. */
export function all(stage: Stage, name: string): Instruction[] {
  return stage.instructions.filter((i) => i.name === name);
}

/** The last instruction of one kind in a stage (the one in force for ENTRYPOINT, CMD, USER). */
export function last(stage: Stage, name: string): Instruction | undefined {
  return all(stage, name).at(-1);
}

/** The exec (JSON array) form of ENTRYPOINT or CMD; the shell form is refused. */
export function execForm(i: Instruction | undefined): string[] {
  if (i === undefined) throw new Error('no such instruction');
  const value = JSON.parse(i.args) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(`${i.name} is not in exec form: ${i.args}`);
  return value;
}
