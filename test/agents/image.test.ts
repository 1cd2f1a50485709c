import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imageDeclaration, readImageDeclaration } from '../../lib/agents/image.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function declaration(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kelos-declaration-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'x.sh'), text);
  return join(dir, 'x.sh');
}

const VALID = 'AGENT_TYPE=x\nAGENT_CLI=x-cli\nAGENT_CLI_VERSION=1.0.0\nAGENT_PROMPT=stdin\nagent_args() { args=(run); }\n';

describe('image declarations', () => {
  it('reads the AGENT_* assignments the build reads, and nothing else', () => {
    expect(readImageDeclaration(declaration(`# AGENT_CLI=not-this\n${VALID}  AGENT_CLI_VERSION=2.0.0\n`))).toMatchObject({
      type: 'x',
      cli: 'x-cli',
      version: '1.0.0',
      prompt: 'stdin',
    });
    expect(readImageDeclaration(declaration(VALID)).npmPackage).toBeUndefined();
  });

  it("reads a built-in type's declaration from images/agents", () => {
    expect(imageDeclaration('gemini')).toMatchObject({ type: 'gemini', cli: 'gemini', npmPackage: '@google/gemini-cli', prompt: '--prompt=' });
  });

  it('fails on a value the shell would expand or unquote, naming the file and line', () => {
    const file = declaration(`${VALID}AGENT_CLI_PACKAGE="$PKG"\n`);
    expect(() => readImageDeclaration(file)).toThrow(`${file}:6: AGENT_CLI_PACKAGE must be a literal value (letters, digits and @/._:+=-), got "\\"$PKG\\""`);
  });

  it('fails when a required value is missing', () => {
    const file = declaration(VALID.replace('AGENT_CLI_VERSION=1.0.0\n', ''));
    expect(() => readImageDeclaration(file)).toThrow(`${file}: AGENT_CLI_VERSION is not set`);
  });
});
