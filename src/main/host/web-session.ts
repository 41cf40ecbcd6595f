import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The query parameter of the address `npm start` prints; exchanged for the cookie on first load. */
export const SESSION_QUERY = 'token';

/**
 * One launch's secret (issue 14.2). Checking Host and Origin keeps other web sites out, but any
 * local process can simply send no Origin; only a secret it cannot know keeps it out. The secret
 * travels once in the printed address, then lives in an HttpOnly SameSite=Strict cookie (script in
 * the page cannot read it, other sites cannot make the browser send it) and the address is cleaned.
 */
export class WebSession {
  readonly token = randomBytes(32).toString('base64url');
  private readonly expected = Buffer.from(this.token);

  /**
   * Cookies are scoped by host, not port: naming the cookie after the port keeps two hosts on
   * 127.0.0.1 (two launches, or a test run beside the app) from overwriting each other's session.
   */
  constructor(private readonly port: number) {}

  get cookieName(): string {
    return `kiln-session-${this.port}`;
  }

  matches(candidate: string | undefined | null): boolean {
    if (!candidate) return false;
    const given = Buffer.from(candidate);
    return given.length === this.expected.length && timingSafeEqual(given, this.expected);
  }

  /** Whether the request carries this launch's cookie. */
  admits(req: IncomingMessage): boolean {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.cookieName && this.matches(part.slice(eq + 1).trim())) return true;
    }
    return false;
  }

  setCookieHeader(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
