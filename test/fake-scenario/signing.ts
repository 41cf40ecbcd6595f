import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** HMAC signatures for the unauthenticated URLs (CDN downloads, upload parts), like a real CDN's. */
export class Signer {
  private readonly key = randomBytes(32);

  sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  verify(payload: string, signature: string | null): boolean {
    if (!signature) return false;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
