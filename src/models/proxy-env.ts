/**
 * Which proxy a download goes through, from the variables curl made conventional:
 *
 *   https:// URLs  HTTPS_PROXY, else HTTP_PROXY (as undici's EnvHttpProxyAgent did before)
 *   http:// URLs   HTTP_PROXY
 *   NO_PROXY       hosts that go direct: comma- or space-separated names, each matching
 *                  itself and its subdomains (`example.com`, `.example.com` and
 *                  `*.example.com` all match `cdn.example.com`), optionally with `:port`;
 *                  `*` alone turns proxies off.
 *
 * Lower-case names win over upper-case ones, as in curl. An empty variable counts as
 * unset. Takes the environment as a parameter (no `process`), so tests pass their own.
 */

export type Env = Record<string, string | undefined>;

/** A proxy variable as curl reads it: lower case first, '' when unset. */
export function envVar(env: Env, name: string): string {
  return env[name.toLowerCase()] || env[name] || '';
}

/** The proxy for `url`, or undefined to connect directly. Throws for a proxy that is not a URL. */
export function proxyFor(url: URL, env: Env): URL | undefined {
  const name = url.protocol === 'https:' && envVar(env, 'HTTPS_PROXY') ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const raw = envVar(env, name).trim();
  if (!raw || bypassesProxy(url, envVar(env, 'NO_PROXY'))) return undefined;
  let proxy: URL;
  try {
    // `proxy.corp:3128` without a scheme means http://, as in curl.
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new Error(`${name} is not a URL: '${redactProxy(raw)}'`);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new Error(`${name} must be an http:// or https:// proxy, got '${redactProxy(raw)}'`);
  }
  return proxy;
}

/** Whether NO_PROXY sends `url` past the proxy. */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = bare(url.hostname.toLowerCase());
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.toLowerCase().split(/[\s,]+/)) {
    if (!raw) continue;
    if (raw === '*') return true;
    // host, host:port, [v6] or [v6]:port; a bare v6 address (two colons or more) has no port.
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(raw) ?? (/:.*:/.test(raw) ? [raw, raw] : null);
    if (!m) continue;
    if (m[2] !== undefined && m[2] !== port) continue;
    const name = bare(m[1]!).replace(/^\*/, '').replace(/^\./, '');
    if (name && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

/** The proxy variables in force, passwords hidden, or '' when none are set (for messages). */
export function proxySettings(env: Env): string {
  const parts: string[] = [];
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) {
    const value = envVar(env, name);
    if (value) parts.push(`${name}=${name === 'NO_PROXY' ? value : redactProxy(value)}`);
  }
  return parts.join(' ');
}

/** A proxy URL with its password replaced by ***, so messages can show it. */
export function redactProxy(proxyUrl: string): string {
  try {
    const u = new URL(proxyUrl);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    // Not a URL: hide anything between "user:" and "@" all the same.
    return proxyUrl.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
  }
}

/** An IPv6 literal without its brackets. */
function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
