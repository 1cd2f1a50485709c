import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What an image declaration (`images/agents/<type>.sh`) says about the CLI
 * its image installs: the `AGENT_*=value` assignments at its top, read the
 * way `images/lib/install-cli.sh` reads them during `docker build`.
 */
export interface ImageDeclaration {
  readonly file: string;
  /** `AGENT_TYPE`: the agent type the image speaks. */
  readonly type: string;
  /** `AGENT_CLI`: the command the entrypoint runs. */
  readonly cli: string;
  /** `AGENT_CLI_PACKAGE`: the npm package, when the CLI comes from npm. */
  readonly npmPackage?: string;
  /** `AGENT_CLI_VERSION`: the pinned version. */
  readonly version: string;
  /** `AGENT_PROMPT`: where the prompt goes (`argument`, `stdin` or an option such as `--prompt=`). */
  readonly prompt: string;
  /** Every `AGENT_*` assignment, by name. */
  readonly values: Readonly<Record<string, string>>;
}

/** `images/agents/` of this checkout or package (the sources and a compiled build/ alike). */
export function imageDeclarationsDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'images', 'agents');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('kelos: images/agents not found above lib/agents');
  }
}

/**
 * Reads an image declaration. Values are literal (no quotes, no `$`), so the
 * shell and this reader agree on them; anything else is an error naming the
 * file and line.
 */
export function readImageDeclaration(file: string): ImageDeclaration {
  const values: Record<string, string> = {};
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^(AGENT_[A-Z_]+)=(.*)$/.exec(line);
      if (!m) return;
      if (!/^[A-Za-z0-9@/._:+=-]*$/.test(m[2])) {
        throw new Error(`${file}:${i + 1}: ${m[1]} must be a literal value (letters, digits and @/._:+=-), got ${JSON.stringify(m[2])}`);
      }
      values[m[1]] = m[2];
    });
  const need = (key: string): string => {
    const v = values[key];
    if (!v) throw new Error(`${file}: ${key} is not set`);
    return v;
  };
  return {
    file,
    type: need('AGENT_TYPE'),
    cli: need('AGENT_CLI'),
    ...(values.AGENT_CLI_PACKAGE ? { npmPackage: values.AGENT_CLI_PACKAGE } : {}),
    version: need('AGENT_CLI_VERSION'),
    prompt: need('AGENT_PROMPT'),
    values,
  };
}

/** The image declaration of an agent type in `images/agents/`. */
export function imageDeclaration(type: string, dir: string = imageDeclarationsDir()): ImageDeclaration {
  return readImageDeclaration(join(dir, `${type}.sh`));
}
