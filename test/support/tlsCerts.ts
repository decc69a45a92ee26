/**
 * Certificates for TLS tests, made at test time by the machine's `openssl` (nothing checked in, nothing that can
 * expire in the repository): a CA, a server certificate it signed for `localhost` (and nothing else: no IP
 * address), one it signed for a wrong name, and a second CA that signed nothing the server presents.
 *
 *   const certs = makeTestCertificates(dir);
 *   const server = await startPgServer({ ssl: certs.localhost, ... });
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** A certificate and its private key (PEM files). */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestCertificates {
  /** The CA that signed both server certificates (PEM): the CA file of a connection that should trust them. */
  readonly caFile: string;
  /** A CA that signed neither: a connection using it must not trust the server. */
  readonly otherCaFile: string;
  /** Server certificate for CN and subjectAltName DNS:localhost. */
  readonly localhost: CertificateFiles;
  /** Server certificate for wrong.example, signed by the same CA: trusted, but for another host. */
  readonly wrongName: CertificateFiles;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('The TLS tests need `openssl` on PATH (Debian: apt-get install openssl).');
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr?.toString() ?? String(e)}`);
  }
}

/** A new EC key (fast to make) and a CSR or self-signed certificate, valid for two days. */
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string, cn: string): { cert: string; key: string } {
  const cert = `${name}.crt`;
  const key = `${name}.key`;
  openssl(dir, [
    'req', '-x509', ...newKey, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

function makeServerCert(dir: string, ca: { cert: string; key: string }, name: string, host: string): CertificateFiles {
  const ext = `${name}.ext`;
  writeFileSync(
    path.join(dir, ext),
    [`subjectAltName=DNS:${host}`, 'basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', ''].join('\n'),
  );
  openssl(dir, ['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${host}`]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext,
  ]);
  return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
}

/** Writes the certificates into `dir` (an existing, empty folder the caller removes). */
export function makeTestCertificates(dir: string): TestCertificates {
  const ca = makeCa(dir, 'ca', 'Sync Playground test CA');
  const other = makeCa(dir, 'other-ca', 'Some other CA');
  return {
    caFile: path.join(dir, ca.cert),
    otherCaFile: path.join(dir, other.cert),
    localhost: makeServerCert(dir, ca, 'localhost', 'localhost'),
    wrongName: makeServerCert(dir, ca, 'wrong-name', 'wrong.example'),
  };
}
