import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT } from '../../src/coordinator/coordinator.js';
import { parseStateLocation } from '../../src/storage/state-location.js';
import { HEALTH_PATH, READY_PATH } from '../../src/wire/probes.js';
import { buildCli } from '../support/job-process.js';
import { argProblems, type HelpOption, optionsOf } from './cli-help.js';

/**
 * The Kubernetes manifests of deploy/, checked against what the code serves and accepts: probe
 * paths and ports, Service ports, CLI flags, non-root containers, and secrets that come from the
 * example Secret through the environment, never through the arguments.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field below
type Doc = any;
interface Container {
  name: string;
  image: string;
  args: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: Doc }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: Doc;
  readinessProbe?: Doc;
  resources?: Doc;
  securityContext?: Doc;
}

const files = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml'));
const docs: Array<{ file: string; doc: Doc }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
    return { file, doc: d.toJS() as Doc };
  }),
);
const ofKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const deployments = [...ofKind('Deployment'), ...ofKind('StatefulSet')];
const byComponent = (c: string) => {
  const found = deployments.find((d) => d.metadata.labels['app.kubernetes.io/component'] === c);
  if (found === undefined) throw new Error(`no ${c} workload in deploy/`);
  return found;
};
const containersOf = (w: Doc): Container[] => w.spec.template.spec.containers;
const coordinator = byComponent('coordinator');
const worker = byComponent('worker');
const secret = ofKind('Secret')[0];
const secretKeys = new Set(Object.keys({ ...secret?.stringData, ...secret?.data }));
const secretValues = Object.values({ ...secret?.stringData }) as string[];

/** The value after `flag` in a container's args, else `fallback`. */
function flagValue(c: Container, flag: string, fallback?: string): string | undefined {
  const i = c.args.indexOf(flag);
  return i === -1 ? fallback : c.args[i + 1];
}

/** The container port a probe's (named or numbered) port stands for. */
function probePort(c: Container, port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

const help = new Map<string, Map<string, HelpOption>>();

beforeAll(async () => {
  await buildCli();
  for (const w of deployments)
    for (const c of containersOf(w))
      if (!help.has(c.args[0])) help.set(c.args[0], await optionsOf(c.args[0]));
}, 120_000);

describe('Kubernetes manifests', () => {
  it('manifests — every file parses: coordinators (2+ replicas) with a Service, workers, an example Secret', () => {
    expect(files.sort()).toEqual(['coordinator.yaml', 'secret.example.yaml', 'worker.yaml']);
    expect(coordinator.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(worker.spec.replicas).toBeGreaterThanOrEqual(1);
    expect(secret?.metadata.name).toBe('laminar-redis');
    for (const w of deployments) {
      expect(w.spec.selector.matchLabels).toEqual(
        expect.objectContaining({ 'app.kubernetes.io/component': expect.any(String) }),
      );
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels))
        expect(w.spec.template.metadata.labels[k], `${w.metadata.name}: selector ${k}`).toBe(v);
    }
  });

  it('manifests — every object is valid against the Kubernetes API schema of its kind', () => {
    const models: Record<string, new (o: Doc) => { validate(): void }> = { Deployment, Service, Secret };
    for (const { file, doc } of docs) {
      const Model = models[doc.kind];
      expect(Model, `${file}: a ${doc.kind} (no schema here)`).toBeDefined();
      expect(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    }
    // The check does look: a port that is not a number is refused.
    const bad = structuredClone(worker);
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'seventy';
    expect(() => new Deployment(bad).validate()).toThrow(/containerPort must be integer/);
  });

  it('manifests — every container runs as a non-root user, without privileges, on a read-only root', () => {
    for (const w of deployments) {
      const pod = w.spec.template.spec.securityContext ?? {};
      for (const c of containersOf(w)) {
        const sc = { ...pod, ...c.securityContext };
        expect(sc.runAsNonRoot, `${c.name}: runAsNonRoot`).toBe(true);
        expect(sc.runAsUser, `${c.name}: runAsUser`).toBeGreaterThan(0);
        expect(sc.allowPrivilegeEscalation, `${c.name}: allowPrivilegeEscalation`).toBe(false);
        expect(sc.privileged ?? false).toBe(false);
        expect(sc.readOnlyRootFilesystem, `${c.name}: readOnlyRootFilesystem`).toBe(true);
        expect(sc.capabilities?.drop, `${c.name}: capabilities dropped`).toEqual(['ALL']);
      }
    }
  });

  it('manifests — the image is this version, and every container asks for CPU and memory', () => {
    for (const w of deployments)
      for (const c of containersOf(w)) {
        expect(c.image).toBe(`laminar-redis:${VERSION}`);
        expect(c.resources?.requests?.cpu, c.name).toBeDefined();
        expect(c.resources?.requests?.memory, c.name).toBeDefined();
      }
  });

  it('manifests — the coordinator probes /healthz and /readyz on the port its HTTP API listens on', () => {
    const [c] = containersOf(coordinator);
    expect(c.args[0]).toBe('coordinator');
    const httpPort = Number(flagValue(c, '--http-port', String(DEFAULT_HTTP_PORT)));
    expect(c.args).not.toContain('--no-http');
    expect(c.livenessProbe.httpGet.path).toBe(HEALTH_PATH);
    expect(c.readinessProbe.httpGet.path).toBe(READY_PATH);
    expect(probePort(c, c.livenessProbe.httpGet.port)).toBe(httpPort);
    expect(probePort(c, c.readinessProbe.httpGet.port)).toBe(httpPort);
    // The root filesystem is read-only: the data directory must be a mounted volume.
    const mounts = (c as Doc).volumeMounts?.map((m: Doc) => m.mountPath) ?? [];
    expect(mounts).toContain(flagValue(c, '--data-dir'));
    const state = parseStateLocation(flagValue(c, '--state') as string);
    expect(state).toMatchObject({ kind: 'redis', name: 'laminar' });
    // Reachable from the kubelet: not loopback.
    expect(flagValue(c, '--http-host')).toBe('0.0.0.0');
    expect(flagValue(c, '--grpc-host')).toBe('0.0.0.0');
  });

  it('manifests — the worker probes them on its --metrics-port, bound beyond loopback', () => {
    const [c] = containersOf(worker);
    expect(c.args[0]).toBe('worker');
    const metricsPort = Number(flagValue(c, '--metrics-port'));
    expect(metricsPort).toBeGreaterThan(0);
    expect(c.livenessProbe.httpGet.path).toBe(HEALTH_PATH);
    expect(c.readinessProbe.httpGet.path).toBe(READY_PATH);
    expect(probePort(c, c.livenessProbe.httpGet.port)).toBe(metricsPort);
    expect(probePort(c, c.readinessProbe.httpGet.port)).toBe(metricsPort);
    expect(flagValue(c, '--host')).toBe('0.0.0.0');
    const ingest = Number(flagValue(c, '--port'));
    expect(c.ports?.map((p) => p.containerPort)).toEqual(expect.arrayContaining([ingest, metricsPort]));
    expect(flagValue(c, '--advertise')).toBe(`$(POD_IP):${ingest}`);
  });

  it('manifests — the Service carries HTTP 8000 and gRPC 9190 to the coordinator pods, and workers use it', () => {
    const [c] = containersOf(coordinator);
    const service = ofKind('Service').find((s) => s.metadata.name === 'laminar-coordinator');
    expect(service).toBeDefined();
    for (const [k, v] of Object.entries(service.spec.selector))
      expect(coordinator.spec.template.metadata.labels[k]).toBe(v);
    const port = (name: string) => service.spec.ports.find((p: Doc) => p.name === name);
    expect(port('http').port).toBe(DEFAULT_HTTP_PORT);
    expect(port('grpc').port).toBe(DEFAULT_GRPC_PORT);
    expect(probePort(c, port('http').targetPort)).toBe(
      Number(flagValue(c, '--http-port', String(DEFAULT_HTTP_PORT))),
    );
    expect(probePort(c, port('grpc').targetPort)).toBe(
      Number(flagValue(c, '--grpc-port', String(DEFAULT_GRPC_PORT))),
    );
    const [w] = containersOf(worker);
    expect(flagValue(w, '--coordinator')).toBe(`${service.metadata.name}:${port('grpc').port}`);
  });

  it('manifests — every flag in args is one the CLI accepts, with its value', () => {
    for (const w of deployments)
      for (const c of containersOf(w)) {
        const accepted = help.get(c.args[0]) as Map<string, HelpOption>;
        expect(argProblems(c.args.slice(1), accepted), `${c.name}: laminar-redis ${c.args[0]}`).toEqual([]);
      }
  });

  it('manifests — the flag check refuses a misspelt flag, a stray value and a missing value', () => {
    const accepted = help.get('worker') as Map<string, HelpOption>;
    expect(argProblems(['--metrics-prot', '9464'], accepted)).toEqual([
      'no such flag: --metrics-prot',
      "'9464' is not a flag (a value without one?)",
    ]);
    expect(argProblems(['--port'], accepted)).toEqual(['--port needs a value']);
  });

  it('manifests — secrets come from the Secret through the environment, never through args', () => {
    for (const w of deployments)
      for (const c of containersOf(w)) {
        const env = new Map((c.env ?? []).map((e) => [e.name, e]));
        const token = env.get('LAMINAR_API_TOKEN');
        expect(token?.valueFrom?.secretKeyRef, `${c.name}: LAMINAR_API_TOKEN from a Secret`).toBeDefined();
        for (const e of c.env ?? []) {
          expect(e.value, `${c.name}: ${e.name} is set in clear`).toBeUndefined();
          const ref = e.valueFrom?.secretKeyRef;
          if (ref === undefined) continue;
          expect(ref.name).toBe(secret.metadata.name);
          expect(
            secretKeys.has(ref.key),
            `${c.name}: ${e.name} names a key the Secret lacks: ${ref.key}`,
          ).toBe(true);
        }
        expect(c.args).not.toContain('--token');
        for (const a of c.args) {
          for (const v of secretValues) expect(a).not.toContain(v);
          // References in args are resolved from the environment: each must be defined.
          for (const m of a.matchAll(/\{\{\s*(\w+)\s*\}\}|\$\((\w+)\)/g))
            expect(env.has(m[1] ?? m[2]), `${c.name}: ${a} refers to an unset ${m[1] ?? m[2]}`).toBe(true);
        }
      }
  });
});
