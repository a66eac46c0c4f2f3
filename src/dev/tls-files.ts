/**
 * Throwaway certificates for TLS servers and clients, made with the `openssl` command line: EC
 * P-256, valid two days.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisHarnessError } from './errors.js';

export interface TlsFiles {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** Client certificate and key signed by the CA. */
  certFile: string;
  keyFile: string;
  /** An unrelated CA, and a client certificate it signed. */
  wrongCaFile: string;
  wrongCertFile: string;
  wrongKeyFile: string;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  wrongCa: Buffer;
  wrongCert: Buffer;
  wrongKey: Buffer;
  files: TlsFiles;
}

/** Runs openssl in `dir`; `command` is split on whitespace, so no argument may contain any. */
function openssl(dir: string, command: string): Promise<void> {
  const args = command.trim().split(/\s+/);
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd: dir }, (err, _stdout, stderr) =>
      err === null
        ? resolve()
        : reject(new RedisHarnessError(`openssl ${args[0]} failed: ${stderr}`, { cause: err })),
    );
  });
}

const EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';

function makeCa(dir: string, name: string): Promise<void> {
  return openssl(
    dir,
    `req -x509 ${EC_KEY} -keyout ${name}.key -out ${name}.crt -days 2 -subj /CN=${name}
     -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`,
  );
}

async function makeLeaf(
  dir: string,
  name: string,
  ca: string,
  extensions: string[],
  days = 2,
): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions.join('\n') + '\n');
  await openssl(dir, `req -new ${EC_KEY} -keyout ${name}.key -out ${name}.csr -subj /CN=${name}`);
  const serial = Math.floor(Math.random() * 2 ** 48);
  await openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ${ca}.crt -CAkey ${ca}.key -set_serial ${serial} -days ${days}
     -extfile ${name}.ext -out ${name}.crt`,
  );
}

/**
 * Generates in `dir` (default: a new temporary directory, the caller removes it): a CA, a server
 * certificate for 127.0.0.1/::1/localhost, a client certificate, and an unrelated CA with a client
 * certificate of its own. The server certificate also allows clientAuth: Redis presents it on
 * cluster and replication links.
 */
export async function makeTlsMaterial(dir?: string): Promise<TlsMaterial> {
  dir ??= await mkdtemp(join(tmpdir(), 'laminar-tls-'));
  await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'wrong-ca')]);
  const leaf = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature'];
  await Promise.all([
    makeLeaf(dir, 'server', 'ca', [
      ...leaf,
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    ]),
    makeLeaf(dir, 'client', 'ca', [...leaf, 'extendedKeyUsage=clientAuth']),
    makeLeaf(dir, 'wrong-client', 'wrong-ca', [...leaf, 'extendedKeyUsage=clientAuth']),
  ]);
  const files: TlsFiles = {
    dir,
    caFile: join(dir, 'ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    certFile: join(dir, 'client.crt'),
    keyFile: join(dir, 'client.key'),
    wrongCaFile: join(dir, 'wrong-ca.crt'),
    wrongCertFile: join(dir, 'wrong-client.crt'),
    wrongKeyFile: join(dir, 'wrong-client.key'),
  };
  const [ca, cert, key, wrongCa, wrongCert, wrongKey] = await Promise.all(
    [
      files.caFile,
      files.certFile,
      files.keyFile,
      files.wrongCaFile,
      files.wrongCertFile,
      files.wrongKeyFile,
    ].map((f) => readFile(f)),
  );
  return { ca, cert, key, wrongCa, wrongCert, wrongKey, files };
}

/**
 * Another server certificate signed by the CA of `files`, written next to it as `<name>.crt` and
 * `<name>.key`: for `altNames` (`DNS:redis.internal`, `IP:127.0.0.1`) and valid `days` from now
 * (`-1`: expired already, openssl then sets its end a day before its start).
 */
export async function makeServerCertificate(
  files: TlsFiles,
  name: string,
  { altNames, days = 2 }: { altNames: string[]; days?: number },
): Promise<{ certFile: string; keyFile: string }> {
  await makeLeaf(
    files.dir,
    name,
    'ca',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${altNames.join(',')}`,
    ],
    days,
  );
  return { certFile: join(files.dir, `${name}.crt`), keyFile: join(files.dir, `${name}.key`) };
}
