/**
 * Which web pages may use the job API. A browser sends any page's POST to a loopback port,
 * and a DNS-rebinding page reaches it under its own host name: so without a token the API
 * answers only requests whose Host is a loopback name and whose Origin, when a browser
 * sends one, is the API's own. With a token (which a foreign page does not have), pages of
 * the origins the server lists (`serve --api-origin`) may call it cross-origin (CORS).
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export interface OriginPolicy {
  /** A token is required: Host names are then not checked (the token is the guard). */
  token: boolean;
  /** Origins (scheme://host[:port]) allowed cross-origin, with a token only. */
  allowed: ReadonlySet<string>;
}

export type OriginVerdict = { refused: string } | { refused?: undefined; cors?: string };

/** The host name of a Host header: without its port, an IPv6 address without brackets. */
export function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return host.replace(/:\d*$/, '').toLowerCase();
}

/** localhost, 127.0.0.0/8 or ::1: names no other machine (and no rebinding page) can use. */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

export function checkOrigin(req: IncomingMessage, policy: OriginPolicy): OriginVerdict {
  const host = req.headers.host ?? '';
  if (!policy.token && !isLoopbackName(hostnameOf(host))) {
    return {
      refused: `the Host ${hostnameOf(host) || '(none)'} is not a loopback name: without a token this API answers only on localhost, 127.0.0.1 or [::1] (a guard against DNS rebinding)`,
    };
  }
  const origin = req.headers.origin;
  // No Origin: not a browser's cross-origin request (curl, the CLI, a same-origin GET).
  if (origin === undefined || origin === `http://${host}` || origin === `https://${host}`) return {};
  if (policy.token && policy.allowed.has(origin)) return { cors: origin };
  return {
    refused: policy.token
      ? `requests from the origin ${origin} are refused: it is not one of this server’s API origins`
      : `requests from the origin ${origin} are refused: without a token this API answers only pages it serves itself`,
  };
}

/** CORS headers for an allowed origin's requests and preflights. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, POST, DELETE',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, Last-Event-ID',
    'Access-Control-Expose-Headers': 'Location',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}
