/** Where the page finds the job API: its own server's api/, or ?api=URL for a page hosted elsewhere. */
import { describe, expect, it } from 'vitest';
import { apiBase } from '../../web/src/server/api-base.js';

describe('apiBase', () => {
  it("is the page's own api/ without ?api", () => {
    expect(apiBase('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/api/');
    expect(apiBase('https://styles.example/app/index.html?x=1')).toBe('https://styles.example/app/api/');
  });
  it('is the URL ?api names, with a closing slash', () => {
    expect(apiBase('https://app.example/?api=https://styles.example/api')).toBe('https://styles.example/api/');
    expect(apiBase('https://app.example/?api=https%3A%2F%2Fstyles.example%2Fapi%2F')).toBe('https://styles.example/api/');
  });
  it('ignores an ?api that is not an http(s) URL', () => {
    expect(apiBase('https://app.example/?api=javascript:alert(1)')).toBe('https://app.example/api/');
  });
});
