// The config file: kelos init writes it privately, kelos run reads it.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_TEMPLATE, parseConfig, resolveValue } from '../../cli/ops/config.js';
import { kelos } from './_kelos.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kelos-config-'));

describe('kelos init', () => {
  it('writes the config file with mode 0600 in a new directory of mode 0700', async () => {
    const home = tmp();
    const file = join(home, '.kelos', 'config.yaml');
    const r = await kelos(['init', '--config', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Created ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.kelos')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(CONFIG_TEMPLATE);
  });

  it('writes ~/.kelos/config.yaml by default', async () => {
    const home = tmp();
    const r = await kelos(['init'], { env: { HOME: home } });
    expect(r.code).toBe(0);
    expect(statSync(join(home, '.kelos', 'config.yaml')).mode & 0o777).toBe(0o600);
  });

  it('fails when the file exists, and replaces it (making it private) with --force', async () => {
    const dir = tmp();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'model: opus\n', { mode: 0o644 });
    const r = await kelos(['init', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: config file ${file} already exists: edit it, or pass --force to replace it\n`);
    expect(readFileSync(file, 'utf8')).toBe('model: opus\n');
    expect((await kelos(['init', '--config', file, '--force'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(CONFIG_TEMPLATE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes a template that parses to an empty config', () => {
    const c = parseConfig(parse(CONFIG_TEMPLATE), 'template');
    expect(c.unknownKeys).toEqual([]);
    expect(c.oauthToken).toBeUndefined();
    expect(c.apiKey).toBeUndefined();
  });
});

describe('the config file', () => {
  it('reads every key of the Kelos format', () => {
    const c = parseConfig(
      {
        oauthToken: '@~/token',
        type: 'codex',
        model: 'gpt-5',
        effort: 'high',
        namespace: 'team',
        workspace: { repo: 'https://github.com/acme/app.git', ref: 'main', token: 'ghp_x' },
        agentConfig: 'reviewer',
        env: { A: '1', B: 2 },
      },
      'c.yaml',
    );
    expect(c).toMatchObject({
      oauthToken: '@~/token',
      type: 'codex',
      model: 'gpt-5',
      effort: 'high',
      namespace: 'team',
      workspace: { repo: 'https://github.com/acme/app.git', ref: 'main', token: 'ghp_x' },
      agentConfig: 'reviewer',
      env: { A: '1', B: '2' },
      unknownKeys: [],
    });
  });

  it('accepts env as NAME=VALUE strings or name/value pairs', () => {
    expect(parseConfig({ env: ['A=1', { name: 'B', value: 'x=y' }] }, 'c').env).toEqual({ A: '1', B: 'x=y' });
  });

  it('reports unknown keys and rejects bad values with the key and what is allowed', () => {
    expect(parseConfig({ oauthtoken: 'x', workspace: { name: 'w', branch: 'b' } }, 'c.yaml').unknownKeys).toEqual(['oauthtoken', 'workspace.branch']);
    expect(() => parseConfig({ type: 'claude' }, 'c.yaml')).toThrow(
      'config file c.yaml: \'type\' must be one of claude-code, codex, gemini, opencode, cursor, got "claude"',
    );
    expect(() => parseConfig({ workspace: { repo: 'github.com/acme/app' } }, 'c.yaml')).toThrow(
      'config file c.yaml: \'workspace.repo\' must start with https://, http://, git:// or git@, got "github.com/acme/app"',
    );
    expect(() => parseConfig({ model: ['a'] }, 'c.yaml')).toThrow('config file c.yaml: \'model\' must be a string, got ["a"]');
    expect(() => parseConfig(['a'], 'c.yaml')).toThrow('config file c.yaml must be a YAML mapping');
  });

  it('reads @file values without their trailing newline, and "none" as empty', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'token'), 'secret-token\n');
    expect(resolveValue('oauthToken', `@${join(dir, 'keys', 'token')}`)).toBe('secret-token');
    expect(resolveValue('apiKey', 'none')).toBe('');
    expect(resolveValue('apiKey', 'plain')).toBe('plain');
    expect(() => resolveValue('oauthToken', `@${join(dir, 'missing')}`, 'c.yaml')).toThrow(
      `config file c.yaml: 'oauthToken' names ${join(dir, 'missing')}, which cannot be read: no such file`,
    );
  });

  it('fails clearly when --config names a missing file or bad YAML', async () => {
    const dir = tmp();
    const missing = await kelos(['run', '-p', 'hi', '--dry-run', '--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `Error: config file ${join(dir, 'nope.yaml')} does not exist: create it with \`kelos init --config ${join(dir, 'nope.yaml')}\`\n`,
    );
    writeFileSync(join(dir, 'bad.yaml'), 'model: [unclosed\n');
    const bad = await kelos(['run', '-p', 'hi', '--dry-run', '--config', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: config file .*bad\.yaml is not valid YAML: /);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
