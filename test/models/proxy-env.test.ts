import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor, proxySettings } from '../../src/models/proxy-env.js';

const at = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env)?.href;

describe('proxyFor', () => {
  it('takes HTTP_PROXY for http://, HTTPS_PROXY (else HTTP_PROXY) for https://', () => {
    const env = { HTTP_PROXY: 'http://plain:3128', HTTPS_PROXY: 'http://secure:3128' };
    expect(at('http://a.example/x', env)).toBe('http://plain:3128/');
    expect(at('https://a.example/x', env)).toBe('http://secure:3128/');
    expect(at('https://a.example/x', { HTTP_PROXY: 'http://plain:3128' })).toBe('http://plain:3128/');
    expect(at('http://a.example/x', { HTTPS_PROXY: 'http://secure:3128' })).toBeUndefined();
    expect(at('http://a.example/x', {})).toBeUndefined();
  });

  it('prefers the lower-case variable, ignores empty ones, and reads host:port as http://', () => {
    expect(at('http://a.example/x', { http_proxy: 'http://low:1', HTTP_PROXY: 'http://up:2' })).toBe('http://low:1/');
    expect(at('http://a.example/x', { http_proxy: '', HTTP_PROXY: 'http://up:2' })).toBe('http://up:2/');
    expect(at('http://a.example/x', { HTTP_PROXY: 'proxy.corp:3128' })).toBe('http://proxy.corp:3128/');
  });

  it('refuses a proxy that is not an http(s) URL, without showing its password', () => {
    expect(() => at('http://a.example/', { HTTP_PROXY: 'socks5://u:secret@p:1080' })).toThrow(/HTTP_PROXY must be an http:\/\/ or https:\/\/ proxy, got 'socks5:\/\/u:\*\*\*@p:1080'/);
    expect(() => at('http://a.example/', { HTTP_PROXY: 'http://[bad' })).toThrow(/HTTP_PROXY is not a URL/);
  });
});

describe('bypassesProxy (NO_PROXY)', () => {
  const bypass = (url: string, noProxy: string) => bypassesProxy(new URL(url), noProxy);

  it('matches a name and its subdomains, however it is written', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com']) {
      expect(bypass('https://example.com/', entry), entry).toBe(true);
      expect(bypass('https://cdn.example.com/', entry), entry).toBe(true);
      expect(bypass('https://badexample.com/', entry), entry).toBe(false);
    }
  });

  it('reads lists separated by commas or spaces, ports, IP addresses and *', () => {
    expect(bypass('http://127.0.0.1:8080/', 'localhost, 127.0.0.1')).toBe(true);
    expect(bypass('http://127.0.0.1:8080/', 'localhost 127.0.0.2')).toBe(false);
    expect(bypass('http://a.example:8080/', 'a.example:8080')).toBe(true);
    expect(bypass('http://a.example/', 'a.example:8080')).toBe(false);
    expect(bypass('https://a.example/', 'a.example:443')).toBe(true);
    expect(bypass('http://[::1]:9/', '[::1]')).toBe(true);
    expect(bypass('http://[::1]:9/', '::1')).toBe(true);
    expect(bypass('http://anything/', '*')).toBe(true);
    expect(bypass('http://anything/', '')).toBe(false);
  });
});

describe('proxySettings', () => {
  it('lists the variables in force with passwords hidden', () => {
    expect(proxySettings({ https_proxy: 'http://u:pw@p:1', NO_PROXY: 'localhost' })).toBe('HTTPS_PROXY=http://u:***@p:1/ NO_PROXY=localhost');
    expect(proxySettings({})).toBe('');
  });
});
