import type { ArgNode, Node, Tree } from './_nodes.js';
import { type ParsedTemplate, parseTemplate } from './parse-template.js';

/**
 * The top-level fields a template reads from its data, in order of first
 * use: `.X` where dot is still the data (outside `with` and `range` bodies),
 * `$.X` anywhere, and `index . "X"` / `index $ "X"`. Meant for warnings about
 * unknown variables; fields reached through other variables are not traced.
 * Throws TemplateError when the text does not parse.
 */
export function templateFields(text: string | ParsedTemplate): string[] {
  return [...new Set(templateFieldPaths(text).map((p) => p[0]!))];
}

/**
 * The paths a template reads from its data, in order of first use, each as
 * far as it is known when the template is parsed: `.Deps.x.Results` is
 * `['Deps', 'x', 'Results']`, and so is `index .Deps "x" "Results"` (keys
 * given as string constants). Traced as `templateFields` traces.
 * Throws TemplateError when the text does not parse.
 */
export function templateFieldPaths(text: string | ParsedTemplate): string[][] {
  const template = typeof text === 'string' ? parseTemplate(text) : text;
  const paths = new Map<string, string[]>();
  const add = (path: string[]): void => {
    const key = path.join('\u0000');
    if (path.length > 0 && !paths.has(key)) paths.set(key, path);
  };
  const visited = new Set<string>();

  const visitTree = (tree: Tree | undefined): void => {
    if (!tree || visited.has(tree.name)) return;
    visited.add(tree.name);
    visit(tree.root, true);
  };

  const visitArg = (arg: ArgNode, atRoot: boolean): void => {
    switch (arg.type) {
      case 'field':
        if (atRoot) add(arg.ident);
        break;
      case 'variable':
        if (arg.ident[0] === '$' && arg.ident.length > 1) add(arg.ident.slice(1));
        break;
      case 'chain':
        visitArg(arg.node, atRoot);
        break;
      case 'pipe':
        visit(arg, atRoot);
        break;
    }
  };

  const visit = (node: Node, atRoot: boolean): void => {
    switch (node.type) {
      case 'list':
        for (const n of node.nodes) visit(n, atRoot);
        break;
      case 'action':
        visit(node.pipe, atRoot);
        break;
      case 'if':
      case 'with':
      case 'range':
        visit(node.pipe, atRoot);
        visit(node.list, node.type === 'if' ? atRoot : false);
        if (node.elseList) visit(node.elseList, atRoot);
        break;
      case 'template':
        if (node.pipe) visit(node.pipe, atRoot);
        // The called template sees the data as dot only when passed `.` or `$` from the top.
        if (node.pipe?.cmds.length === 1 && node.pipe.cmds[0].args.length === 1) {
          const arg = node.pipe.cmds[0].args[0];
          const passesData = (arg.type === 'dot' && atRoot) || (arg.type === 'variable' && arg.ident.length === 1 && arg.ident[0] === '$');
          if (passesData) visitTree(template.trees.get(node.name));
        }
        break;
      case 'pipe':
        for (const cmd of node.cmds) {
          const [first, second] = cmd.args;
          if (first.type === 'identifier' && first.ident === 'index' && second) {
            const base = dataPath(second, atRoot);
            const keys: string[] = [];
            for (const a of cmd.args.slice(2)) {
              if (a.type !== 'string') break;
              keys.push(a.text);
            }
            if (base && keys.length > 0) {
              add([...base, ...keys]);
              for (const arg of cmd.args.slice(2)) visitArg(arg, atRoot);
              continue;
            }
          }
          for (const arg of cmd.args) visitArg(arg, atRoot);
        }
        break;
    }
  };

  visitTree(template.trees.get(template.name));
  return [...paths.values()];
}

/** The data path an argument stands for (`.`, `$`, `.A.B`, `$.A`), or undefined. */
function dataPath(arg: ArgNode, atRoot: boolean): string[] | undefined {
  if (arg.type === 'dot') return atRoot ? [] : undefined;
  if (arg.type === 'field') return atRoot ? arg.ident : undefined;
  if (arg.type === 'variable' && arg.ident[0] === '$') return arg.ident.slice(1);
  return undefined;
}
