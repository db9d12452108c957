import { OverloadedError, RequestTooLargeError } from './errors';

export interface AdmissionLimits {
  /** Largest request body (after decompression). */
  maxRequestBytes: number;
  /** Request bodies held at once, from admission until their export ends. */
  maxInFlightBytes: number;
  /** Requests decoded at once: a decoded request takes several times its body's bytes. */
  maxConcurrentDecodes: number;
  /**
   * What one body byte holds at most while its request runs: the body, then also its encoded
   * rows until COMMIT (1 counts the body alone). In-flight bytes are counted so.
   */
  heldPerBodyByte?: number;
}

/** The bytes one admitted request holds; grown when its real size is known (after gunzip). */
export interface AdmissionTicket {
  /** Holds `bytes` in all, or throws OverloadedError (and keeps what it held) when no room. */
  grow(bytes: number): void;
  release(): void;
}

/**
 * Decides, before a body is read, whether a request may be: by its declared size against the
 * request limit (RequestTooLargeError) and against the bytes other requests hold
 * (OverloadedError, retryable). Then bounds how many admitted requests decode at once.
 * Transport-neutral, so an authentication check can sit in front of it in each receiver.
 */
export class Admission {
  private inFlightBytes = 0;
  private decoding = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limits: AdmissionLimits) {}

  /** Whether one more request could be admitted now (for transports that learn sizes later). */
  hasRoom(): boolean {
    return this.inFlightBytes < this.limits.maxInFlightBytes;
  }

  /** Admits a request of `bytes` (its Content-Length, or 0 when unknown yet). */
  admit(bytes: number): AdmissionTicket {
    this.checkSize(bytes);
    let held = 0;
    const grow = (n: number) => {
      this.checkSize(n);
      const more = n * (this.limits.heldPerBodyByte ?? 1) - held;
      // Alone, any request within the size limit gets in; otherwise the total is bounded.
      if (
        more > 0 &&
        this.inFlightBytes > held &&
        this.inFlightBytes + more > this.limits.maxInFlightBytes
      )
        throw new OverloadedError(
          `receiver busy (${this.inFlightBytes} of ${this.limits.maxInFlightBytes} bytes held by requests in flight); retry later`,
        );
      this.inFlightBytes += more;
      held += more;
    };
    grow(bytes);
    return {
      grow,
      release: () => {
        this.inFlightBytes -= held;
        held = 0;
      },
    };
  }

  /** Runs `decode` when fewer than the limit of decodes run; the others wait their turn. */
  async decode<T>(decode: () => Promise<T>): Promise<T> {
    while (this.decoding >= this.limits.maxConcurrentDecodes)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.decoding++;
    try {
      return await decode();
    } finally {
      this.decoding--;
      this.waiting.shift()?.();
    }
  }

  private checkSize(bytes: number) {
    if (bytes > this.limits.maxRequestBytes)
      throw new RequestTooLargeError(`request body exceeds ${this.limits.maxRequestBytes} bytes`);
  }
}
