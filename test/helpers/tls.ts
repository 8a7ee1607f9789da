// Self-signed certificates for TLS tests, made with the openssl command.

import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * Writes `key.pem` and `cert.pem` for `host` (also valid for 127.0.0.1) into `dir`.
 * Returns their paths, or undefined when openssl is not available.
 */
export function selfSignedCert(dir: string, host = 'localhost'): { key: string; cert: string } | undefined {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'];
  args.push('-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host},IP:127.0.0.1`);
  try {
    execFileSync('openssl', args, { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { key, cert };
}
