import type { ArgNode, Node, Tree } from './_nodes.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';

/**
 * The top-level fields a template reads from its data, in order of first
 * use: `.X` where dot is still the data (outside `with` and `range` bodies),
 * `$.X` anywhere, and `index . "X"` / `index $ "X"`. Meant for warnings about
 * unknown variables; fields reached through other variables are not traced.
 * Throws TemplateError when the text does not parse.
 */
export function templateFields(text: string | ParsedTemplate): string[] {
  const template = typeof text === 'string' ? parseTemplate(text) : text;
  const fields = new Set<string>();
  const visited = new Set<string>();

  const visitTree = (tree: Tree | undefined): void => {
    if (!tree || visited.has(tree.name)) return;
    visited.add(tree.name);
    visit(tree.root, true);
  };

  const visitArg = (arg: ArgNode, atRoot: boolean): void => {
    switch (arg.type) {
      case 'field':
        if (atRoot) fields.add(arg.ident[0]);
        break;
      case 'variable':
        if (arg.ident[0] === '$' && arg.ident.length > 1) fields.add(arg.ident[1]);
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
          const [first, second, third] = cmd.args;
          if (first.type === 'identifier' && first.ident === 'index' && third?.type === 'string') {
            const onData = (second.type === 'dot' && atRoot) || (second.type === 'variable' && second.ident.length === 1 && second.ident[0] === '$');
            if (onData) fields.add(third.text);
          }
          for (const arg of cmd.args) visitArg(arg, atRoot);
        }
        break;
    }
  };

  visitTree(template.trees.get(template.name));
  return [...fields];
}
