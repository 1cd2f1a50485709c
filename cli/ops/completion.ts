// Shell completion: small bash, zsh and fish scripts that ask the hidden
// `kelos __complete` for candidates, computed from the command tree (commands,
// options, fixed values) and, for object names, from the cluster.
import type { Command, Option } from 'commander';
import { AGENT_TYPES, TaskPhase } from '../../lib/api/constants.js';
import { CREDENTIAL_TYPES } from '../../lib/api/shared.js';
import { UserError } from '../errors.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export function completionScript(shell: string): string {
  switch (shell) {
    case 'bash':
      return `# kelos completion for bash: source <(kelos completion bash)
_kelos() {
  local IFS=$'\\n'
  COMPREPLY=( $(KELOS_COMP_LINE="\${COMP_LINE:0:COMP_POINT}" kelos __complete 2>/dev/null) )
}
complete -o default -F _kelos kelos
`;
    case 'zsh':
      return `#compdef kelos
# kelos completion for zsh: source <(kelos completion zsh), or save it as _kelos in your $fpath
_kelos() {
  local -a candidates
  candidates=("\${(@f)$(KELOS_COMP_LINE="\${(j: :)words[1,CURRENT]}" kelos __complete 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then
    compadd -a candidates
  else
    _files
  fi
}
compdef _kelos kelos
`;
    case 'fish':
      return `# kelos completion for fish: kelos completion fish > ~/.config/fish/completions/kelos.fish
function __kelos_complete
    KELOS_COMP_LINE=(commandline -cp) kelos __complete 2>/dev/null
end
complete -c kelos -f -a '(__kelos_complete)'
`;
    default:
      throw new UserError(`unknown shell "${shell}": use ${SHELLS.join(', ')}`, 2);
  }
}

/** Words of a command line up to the cursor; the last is the one being completed ('' after a space). */
export function splitLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  words.push(cur);
  return words;
}

const optionNames = (o: Option) => [o.long, o.short].filter((x): x is string => Boolean(x));
const takesValue = (o: Option) => o.required || o.optional;

function findOption(cmds: Command[], word: string): Option | undefined {
  const flag = word.split('=')[0]!;
  for (const c of cmds) {
    const o = c.options.find((x) => optionNames(x).includes(flag));
    if (o) return o;
  }
  return undefined;
}

export interface Lookup {
  /** Names of objects of a kind in a namespace (best effort: [] on any error). */
  names(kind: string, namespace: string | undefined): Promise<string[]>;
  namespaces(): Promise<string[]>;
  contexts(): string[] | Promise<string[]>;
}

const FIXED_VALUES: Record<string, readonly string[]> = {
  '--type': AGENT_TYPES,
  '--credential-type': CREDENTIAL_TYPES,
  '--phase': Object.values(TaskPhase),
};

/** The candidates for the last word of `words` (the command name excluded). */
export async function complete(root: Command, words: string[], lookup: Lookup): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  let cmd = root;
  const positionals: string[] = [];
  let namespace: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (w.startsWith('-') && w !== '-') {
      const o = findOption([cmd, root], w);
      if (o && takesValue(o) && !w.includes('=')) {
        if (o.long === '--namespace') namespace = before[i + 1];
        i++;
      }
      continue;
    }
    const sub = positionals.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else positionals.push(w);
  }
  const prev = before[before.length - 1];
  const prevOption = prev?.startsWith('-') ? findOption([cmd, root], prev) : undefined;
  let candidates: string[] = [];
  if (prevOption && takesValue(prevOption) && !prev!.includes('=')) {
    const long = prevOption.long ?? '';
    if (long === '--namespace') candidates = await lookup.namespaces();
    else if (long === '--context') candidates = await lookup.contexts();
    else if (long === '--output' && cmd.name() === 'get') candidates = ['wide', 'name', 'yaml', 'json'];
    else if (long === '--spawner') candidates = await lookup.names('taskspawner', namespace);
    else if (FIXED_VALUES[long]) candidates = [...FIXED_VALUES[long]!];
    else return []; // a path or free text: the shell completes files
  } else if (current.startsWith('-')) {
    candidates = [...cmd.options, ...(cmd === root ? [] : root.options)].flatMap((o) => (o.hidden ? [] : o.long ? [o.long] : []));
  } else if (cmd.commands.length > 0 && positionals.length === 0) {
    candidates = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
  } else {
    const name = cmd.name();
    const kinds = ['task', 'taskspawner', 'workspace', 'agentconfig'];
    if (name === 'get' || name === 'delete') candidates = positionals.length === 0 ? kinds : await lookup.names(positionals[0]!, namespace);
    else if (name === 'suspend' || name === 'resume') candidates = positionals.length === 0 ? ['taskspawner'] : await lookup.names('taskspawner', namespace);
    else if (name === 'logs' && positionals.length === 0) candidates = await lookup.names('task', namespace);
    else if (name === 'completion') candidates = [...SHELLS];
    else if (name === 'help') candidates = root.commands.map((c) => c.name());
  }
  return candidates.filter((c) => c.startsWith(current));
}

/** The global options written on the command line being completed. */
export function globalsFromWords(words: string[]): { kubeconfig?: string; context?: string; namespace?: string; config?: string } {
  const g: Record<string, string> = {};
  const names: Record<string, string> = {
    '--kubeconfig': 'kubeconfig',
    '--context': 'context',
    '-n': 'namespace',
    '--namespace': 'namespace',
    '--config': 'config',
  };
  for (let i = 0; i < words.length - 1; i++) {
    const [flag, inline] = words[i]!.split('=', 2) as [string, string | undefined];
    const key = names[flag];
    if (!key) continue;
    if (inline !== undefined) g[key] = inline;
    else if (i + 1 < words.length - 1) g[key] = words[++i]!;
  }
  return g;
}

/** Lookups against the cluster of the command line; any failure is an empty answer. */
export async function clusterLookup(g: ReturnType<typeof globalsFromWords>): Promise<Lookup> {
  // Loaded on the first lookup only: most completions (commands, flags) need no cluster.
  let context: Promise<Cluster> | undefined;
  const cluster = () => (context ??= loadCluster(g));
  const list = async (path: (c: Cluster) => string): Promise<string[]> => {
    const c = await cluster();
    if (!c.kc) return [];
    try {
      const client = await c.KubeClient.create(c.kc);
      try {
        const r = await client.json<{ items: Array<{ metadata: { name: string } }> }>('GET', path(c), { timeoutMs: 3000 });
        return r.items.map((i) => i.metadata.name);
      } finally {
        client.close();
      }
    } catch {
      return [];
    }
  };
  return {
    names: (kind, namespace) => list((c) => c.collectionPath(c.kindOf(kind), namespace ?? c.fallbackNs)),
    namespaces: () => list(() => '/api/v1/namespaces'),
    contexts: async () => (await cluster()).kc?.getContexts().map((c) => c.name) ?? [],
  };
}

interface Cluster {
  readonly kc?: import('@kubernetes/client-node').KubeConfig;
  readonly fallbackNs?: string;
  readonly KubeClient: typeof import('../../lib/kube/kube-client.js').KubeClient;
  readonly kindOf: typeof import('./_kinds.js').kindOf;
  readonly collectionPath: typeof import('./_kinds.js').collectionPath;
}

async function loadCluster(g: ReturnType<typeof globalsFromWords>): Promise<Cluster> {
  const { loadKubeConfig, resolveNamespace } = await import('./_context.js');
  const { loadConfig } = await import('./config.js');
  const { KubeClient } = await import('../../lib/kube/kube-client.js');
  const { kindOf, collectionPath } = await import('./_kinds.js');
  try {
    const kc = loadKubeConfig(g).kc;
    return { kc, fallbackNs: resolveNamespace(g, loadConfig(g.config), kc), KubeClient, kindOf, collectionPath };
  } catch {
    return { KubeClient, kindOf, collectionPath };
  }
}
