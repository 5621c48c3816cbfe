import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubCacheDir, hubSettings } from './hub-env.js';

describe('hubCacheDir', () => {
  it.each([
    ['HF_HUB_CACHE over everything', { HF_HUB_CACHE: '/a', HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/h', XDG_CACHE_HOME: '/x' }, '/a'],
    ['the legacy HUGGINGFACE_HUB_CACHE over HF_HOME', { HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/h' }, '/b'],
    ['$HF_HOME/hub', { HF_HOME: '/h', XDG_CACHE_HOME: '/x' }, '/h/hub'],
    ['$XDG_CACHE_HOME/huggingface/hub', { XDG_CACHE_HOME: '/x' }, '/x/huggingface/hub'],
    ['~/.cache/huggingface/hub by default', {}, join(homedir(), '.cache', 'huggingface', 'hub')],
    ['empty variables as unset', { HF_HUB_CACHE: '', HF_HOME: '/h' }, '/h/hub'],
  ])('takes %s', (_, env, expected) => {
    expect(hubCacheDir(env)).toBe(expected);
  });
});

describe('hubSettings', () => {
  it('reads the token from HF_TOKEN, then the legacy HUGGING_FACE_HUB_TOKEN; an explicit token wins', () => {
    expect(hubSettings({}, { HF_TOKEN: 'hf_a', HUGGING_FACE_HUB_TOKEN: 'hf_b' }).token).toBe('hf_a');
    expect(hubSettings({}, { HUGGING_FACE_HUB_TOKEN: 'hf_b' }).token).toBe('hf_b');
    expect(hubSettings({ token: 'hf_c' }, { HF_TOKEN: 'hf_a' }).token).toBe('hf_c');
    expect(hubSettings({}, {}).token).toBeUndefined();
  });

  it.each([
    ['1', true],
    ['true', true],
    ['YES', true],
    ['on', true],
    ['0', false],
    ['false', false],
    ['', false],
  ])('reads HF_HUB_OFFLINE=%j as offline=%s, like huggingface_hub', (value, offline) => {
    expect(hubSettings({}, { HF_HUB_OFFLINE: value }).offline).toBe(offline);
  });

  it('lets an explicit offline flag and cache folder override the environment', () => {
    const settings = hubSettings({ offline: false, cacheDir: '/mine' }, { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: '/env' });
    expect(settings).toMatchObject({ offline: false, cacheDir: '/mine' });
  });

  it('takes HF_ENDPOINT for mirrors, without a trailing slash', () => {
    expect(hubSettings({}, {}).endpoint).toBe('https://huggingface.co');
    expect(hubSettings({}, { HF_ENDPOINT: 'https://hf-mirror.com/' }).endpoint).toBe('https://hf-mirror.com');
  });
});
