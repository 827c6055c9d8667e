import { describe, expect, it } from 'vitest';
import { apiUrl, checkServerUrl, streamUrl } from '../../main/core/server-url.js';

describe('server URLs the approver accepts', () => {
  it('accepts https anywhere and normalises the base', () => {
    expect(checkServerUrl('https://cs.example.com/')).toEqual({ ok: true, value: 'https://cs.example.com' });
    expect(checkServerUrl(' https://cs.example.com/prefix/?x=1#y ')).toEqual({
      ok: true,
      value: 'https://cs.example.com/prefix',
    });
  });

  it('accepts plain http only to loopback', () => {
    for (const url of ['http://127.0.0.1:8787', 'http://localhost:1', 'http://[::1]:8787', 'http://127.0.0.2']) {
      expect(checkServerUrl(url).ok, url).toBe(true);
    }
    for (const url of ['http://cs.example.com', 'http://10.0.0.1:8787', 'http://[::2]', 'http://127.0.0.1.nip.io']) {
      const result = checkServerUrl(url);
      expect(result.ok ? null : result.error.code, url).toBe('INSECURE_TRANSPORT');
    }
  });

  it('refuses other schemes, credentials and garbage as invalid input', () => {
    for (const url of ['ftp://cs.example.com', 'ws://127.0.0.1', 'https://u:p@cs.example.com', 'not a url']) {
      const result = checkServerUrl(url);
      expect(result.ok ? null : result.error.code, url).toBe('INVALID_INPUT');
    }
  });

  it('builds API and stream URLs under a path prefix', () => {
    expect(apiUrl('https://h.example/p', '/v1/user/3/x?count=2').toString()).toBe(
      'https://h.example/p/v1/user/3/x?count=2',
    );
    expect(streamUrl('https://h.example', 7).toString()).toBe('wss://h.example/v1/approver-device/7/stream');
    expect(streamUrl('http://127.0.0.1:9', 7).toString()).toBe('ws://127.0.0.1:9/v1/approver-device/7/stream');
  });
});
