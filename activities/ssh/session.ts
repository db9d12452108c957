import { Client } from 'ssh2';
import { isTrustedHostKey, knownHostsName, type HostKeyPins } from './known-hosts';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: Buffer | string;
  pins: HostKeyPins;
  connectTimeoutMs: number;
}

export interface RemoteOutput {
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export class HostKeyRejectedError extends Error {
  override readonly name = 'HostKeyRejectedError';
}

/** Keeps at most `max` bytes of a stream, remembering whether more came. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer) {
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.subarray(0, room);
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text() {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs one command line on a host over SSH with key authentication and a pinned host key.
 * `onWait` is called every couple of seconds while the command runs (activity heartbeats).
 */
export function execRemote(
  target: SshTarget,
  command: string,
  opts: { timeoutMs: number; maxOutputBytes: number; onWait?: () => void },
): Promise<RemoteOutput> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let hostKeyRejected = false;
    let settled = false;
    const finish = (err: Error | undefined, out?: RemoteOutput) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(ticker);
      conn.end();
      if (err) reject(err);
      else resolve(out as RemoteOutput);
    };
    const timer = setTimeout(
      () => finish(new Error(`ssh ${target.host}: no result within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    const ticker = setInterval(() => opts.onWait?.(), 2000);
    conn.on('error', (err) =>
      finish(
        hostKeyRejected
          ? new HostKeyRejectedError(
              `ssh ${knownHostsName(target.host, target.port)}: host key is not pinned in known_hosts`,
            )
          : err,
      ),
    );
    conn.on('ready', () => {
      conn.exec(command, (err, stream) => {
        if (err) return finish(err);
        const stdout = new CappedBuffer(opts.maxOutputBytes);
        const stderr = new CappedBuffer(opts.maxOutputBytes);
        stream.on('data', (c: Buffer) => stdout.push(c));
        stream.stderr.on('data', (c: Buffer) => stderr.push(c));
        stream.on('close', (code: number | null, signal?: string) =>
          finish(undefined, {
            code,
            signal,
            stdout: stdout.text(),
            stderr: stderr.text(),
            truncated: stdout.truncated || stderr.truncated,
          }),
        );
      });
    });
    conn.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: target.connectTimeoutMs,
      hostVerifier: (key: Buffer) => {
        hostKeyRejected = !isTrustedHostKey(target.pins, target.host, target.port, key);
        return !hostKeyRejected;
      },
    });
  });
}
