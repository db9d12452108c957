import { createHash, createHmac } from 'node:crypto';

/**
 * Host key pinning. A host is trusted only if its key is listed for it in known_hosts content
 * (OpenSSH format: plain, `[host]:port`, hashed `|1|salt|hash`, `*`/`?` patterns, `!` negation,
 * `@revoked`) or matches a pinned SHA-256 fingerprint (`SHA256:…` as `ssh-keygen -lf` prints).
 */
export interface HostKeyPins {
  knownHosts: string;
  fingerprints?: Record<string, string[]>;
}

/** How OpenSSH names a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

function hashedMatch(entry: string, name: string): boolean {
  const [, kind, salt, hash] = entry.split('|');
  if (kind !== '1' || !salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** True when the comma-separated patterns name the host (and no `!` pattern excludes it). */
function patternsMatch(patterns: string, name: string): boolean {
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('|')) {
      if (hashedMatch(p, name)) matched = true;
    } else if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

export function isTrustedHostKey(
  pins: HostKeyPins,
  host: string,
  port: number,
  key: Buffer,
): boolean {
  const name = knownHostsName(host, port);
  const fingerprint = fingerprintOf(key);
  let trusted = (pins.fingerprints?.[host] ?? []).includes(fingerprint);
  for (const raw of pins.knownHosts.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [patterns, , keyBase64] = fields;
    if (!patterns || !keyBase64 || marker === '@cert-authority') continue;
    if (!patternsMatch(patterns, name) || !Buffer.from(keyBase64, 'base64').equals(key)) continue;
    if (marker === '@revoked') return false;
    trusted = true;
  }
  return trusted;
}
