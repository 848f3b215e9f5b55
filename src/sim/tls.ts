/**
 * A throwaway CA and a server certificate for 127.0.0.1, so the fake API server can speak HTTPS to
 * client-node and kubectl with `certificate-authority-data` in the kubeconfig.
 *
 * node:crypto can generate keys and parse certificates (X509Certificate) but cannot issue them, and
 * no X.509 library is installed, so this shells out to the `openssl` CLI (present on the dev and CI
 * images). The pair is generated once per process and reused by every server.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerTls {
  /** PEM of the CA that signed the server certificate (what the kubeconfig trusts). */
  caPem: string;
  certPem: string;
  keyPem: string;
}

let cached: Promise<ServerTls> | undefined;

export function serverTls(): Promise<ServerTls> {
  cached ??= generate().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function generate(): Promise<ServerTls> {
  const dir = await mkdtemp(join(tmpdir(), 'podwhy-sim-tls-'));
  const p = (f: string): string => join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', [
      'req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '3650', '-subj', '/CN=podwhy-sim-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', ['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=kube-apiserver']);
    // Go's TLS stack (kubectl) ignores the CN and requires the address in subjectAltName.
    await writeFile(
      p('server.ext'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ].join('\n'),
    );
    await run('openssl', [
      'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-out', p('server.crt'), '-days', '3650', '-extfile', p('server.ext'),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all([readFile(p('ca.crt'), 'utf8'), readFile(p('server.crt'), 'utf8'), readFile(p('server.key'), 'utf8')]);
    return { caPem, certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
