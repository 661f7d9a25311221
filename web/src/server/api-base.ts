/**
 * Where the page finds the job API: its own server's `api/` (serve --api, same origin, no
 * CORS), or the one named by `?api=URL` for a page hosted elsewhere — which works only when
 * that server lists this page's origin (serve --api-origin, with a token).
 */

/** The API's root URL (ending in `/`) for a page at `pageUrl`; an `api` that is not an http(s) URL is ignored. */
export function apiBase(pageUrl: string): string {
  const page = new URL(pageUrl);
  const given = page.searchParams.get('api');
  if (given) {
    try {
      const url = new URL(given, page);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href.endsWith('/') ? url.href : `${url.href}/`;
    } catch {
      // not a URL: the page's own server
    }
  }
  return new URL('api/', page).href;
}
