// Throwaway certificates for the test control plane: one CA, a serving certificate for the API server,
// client certificates (CN = user, O = groups), and the ServiceAccount token signing key pair.
// node:crypto cannot issue X.509 certificates, so the openssl CLI does that part.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
}

export interface ClusterPki {
  dir: string;
  ca: CertFiles;
  server: CertFiles;
  /** ServiceAccount token signing key (PKCS#8) and its public key (SPKI). */
  serviceAccount: { privateKey: string; publicKey: string };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; code?: string };
    if (e.code === 'ENOENT')
      throw new Error('openssl is not installed: run `npm run setup` (installs Debian package openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString() ?? ''}`, { cause: err });
  }
}

/** A subject for openssl's -subj: CN is the user, each O is a group. Escapes '/' and '='. */
export function subjectFor(user: string, groups: readonly string[] = []): string {
  const esc = (s: string) => s.replace(/[/=\\]/g, (c) => '\\' + c);
  return groups.map((g) => `/O=${esc(g)}`).join('') + `/CN=${esc(user)}`;
}

function newKey(path: string, cwd: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path], cwd);
}

function signedCert(dir: string, name: string, ca: CertFiles, subject: string, ext: string): CertFiles {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  newKey(key, dir);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  writeFileSync(extFile, ext);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      '0x' + randomBytes(12).toString('hex'),
      '-days',
      '30',
      '-sha256',
      '-extfile',
      extFile,
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

/** A client certificate signed by the cluster CA; the API server maps CN to the user and O to groups. */
export function issueClientCert(pkiDir: string, name: string, user: string, groups: readonly string[] = []): CertFiles {
  const ca = { cert: join(pkiDir, 'ca.crt'), key: join(pkiDir, 'ca.key') };
  if (!existsSync(ca.key)) throw new Error(`no cluster CA key in ${pkiDir}`);
  return signedCert(
    pkiDir,
    name,
    ca,
    subjectFor(user, groups),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
}

export function createClusterPki(dir: string): ClusterPki {
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  newKey(ca.key, dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      ca.key,
      '-subj',
      '/CN=aether-test-ca',
      '-days',
      '30',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-out',
      ca.cert,
    ],
    dir,
  );
  const server = signedCert(
    dir,
    'apiserver',
    ca,
    '/CN=kube-apiserver',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1',
    ].join('\n') + '\n',
  );
  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const serviceAccount = { privateKey: join(dir, 'sa.key'), publicKey: join(dir, 'sa.pub') };
  writeFileSync(serviceAccount.privateKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(serviceAccount.publicKey, sa.publicKey.export({ type: 'spki', format: 'pem' }));
  return { dir, ca, server, serviceAccount };
}
