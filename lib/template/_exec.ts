import { budgetPhrase, CHARS_PER_STEP, exceedsBytes, type Limits, STEPS_PER_CLOCK_CHECK, utf8Bytes } from './_budget.js';
import { BUILTINS, type Builtin, FuncError, type ParamKind } from './_builtins.js';
import { FmtLimitError, formatValue } from './_fmt.js';
import {
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type Node,
  type NumberNode,
  nodeString,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from './_nodes.js';
import { lineColumn } from './_parser.js';
import { goQuote, utf8Length } from './_strconv.js';
import { isInt, isMap, isTrue, mapIndex, sliceIndex, sortedKeys, typeName } from './_values.js';
import { type TemplateBudget, TemplateBudgetError } from './template-budget-error.js';
import { TemplateError } from './template-error.js';

/** No value from a previous pipeline stage (Go's missingVal). */
const MISSING: unique symbol = Symbol('missing');
/** The value piped in from the previous pipeline stage, or MISSING. */
type Final = unknown;

/** Longest node text quoted in a budget error: the node may be a whole range body. */
const MAX_BUDGET_CONTEXT = 40;

/** How control leaves a walk: normally, or by {{break}} / {{continue}}. */
const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
type Flow = typeof NORMAL | typeof BREAK | typeof CONTINUE;

/**
 * A variable. `iface` is true when the value is an element of a map or slice,
 * which Go types as interface {} (it shows in "can't evaluate field" errors).
 */
interface Variable {
  readonly name: string;
  value: unknown;
  iface: boolean;
}

/** One execution: Go's exec.go state, with `undefined` as an invalid reflect.Value and `null` as a nil interface. */
class State {
  out = '';
  private node: Node | undefined;
  /** Nesting of if / with / range bodies and {{template}} calls. */
  private depth = 0;
  private steps = 0;
  private nextClockCheck = STEPS_PER_CLOCK_CHECK;
  /** UTF-8 bytes of out, counted once out may be near the limit (-1 before). */
  private outBytes = -1;

  constructor(
    private tree: Tree,
    private readonly trees: ReadonlyMap<string, Tree>,
    private vars: Variable[],
    private readonly limits: Limits,
    /** performance.now() past which the render stops. */
    private readonly deadline: number,
  ) {}

  private errorf(message: string, budget?: TemplateBudget): never {
    const name = this.tree.name;
    const make = (text: string, options: { templateName: string; line?: number; column?: number }): TemplateError =>
      budget ? new TemplateBudgetError(text, { ...options, budget, limit: this.limits[budget] }) : new TemplateError(text, options);
    if (!this.node) throw make(`template: ${name}: ${message}`, { templateName: name });
    const text = this.tree.text;
    const pos = this.node.pos;
    const { line, column } = lineColumn(text, pos);
    // Go reports the column as a 0-based byte offset within the line.
    const byteColumn = utf8Length(text.slice(pos - column + 1, pos));
    let context = nodeString(this.node);
    if (budget && context.length > MAX_BUDGET_CONTEXT) context = context.slice(0, MAX_BUDGET_CONTEXT) + '...';
    throw make(`template: ${this.tree.parseName}:${line}:${byteColumn}: executing ${goQuote(name)} at <${context}>: ${message}`, {
      templateName: name,
      line,
      column,
    });
  }

  private overBudget(budget: TemplateBudget, phrase = budgetPhrase(budget, this.limits[budget])): never {
    this.errorf(`render budget exceeded: ${phrase}`, budget);
  }

  /** Charges n steps; every few hundred, reads the clock. */
  private step(n: number): void {
    this.steps += n;
    if (this.steps > this.limits.maxSteps) this.overBudget('maxSteps');
    if (this.steps >= this.nextClockCheck) {
      this.nextClockCheck = this.steps + STEPS_PER_CLOCK_CHECK;
      if (performance.now() > this.deadline) this.overBudget('timeoutMs');
    }
  }

  private enter(): void {
    if (++this.depth > this.limits.maxDepth) this.overBudget('maxDepth');
  }

  private write(s: string): void {
    this.out += s;
    const max = this.limits.maxOutputBytes;
    if (this.outBytes < 0) {
      if (this.out.length * 3 <= max) return;
      this.outBytes = utf8Bytes(this.out);
    } else {
      // Count the piece, not out: reading a concatenated string flattens it.
      this.outBytes += utf8Bytes(s);
    }
    if (this.outBytes > max) this.overBudget('maxOutputBytes');
  }

  /** A string a function builds may be no larger than the whole output may be. */
  private checkValue(s: string): void {
    if (exceedsBytes(s, this.limits.maxOutputBytes)) this.valueTooLarge();
  }

  private valueTooLarge(): never {
    this.overBudget('maxOutputBytes', `a string larger than ${this.limits.maxOutputBytes} bytes (maxOutputBytes)`);
  }

  private setVar(name: string, value: unknown, iface: boolean): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        this.vars[i].iface = iface;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: unknown, iface: boolean): void {
    const v = this.vars[this.vars.length - n];
    v.value = value;
    v.iface = iface;
  }

  private varValue(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) return this.vars[i];
    }
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: unknown, dotIface: boolean, node: Node): Flow {
    // A list keeps its parent as the node errors point at: an empty body has no text to show.
    if (node.type !== 'list') this.node = node;
    this.step(1);
    switch (node.type) {
      case 'action': {
        // Declared variables persist until the enclosing {{end}}; a declaration prints nothing.
        const val = this.evalPipeline(dot, dotIface, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return NORMAL;
      }
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
      case 'comment':
        return NORMAL;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, dotIface, node);
      case 'list':
        for (const n of node.nodes) {
          const flow = this.walk(dot, dotIface, n);
          if (flow !== NORMAL) return flow;
        }
        return NORMAL;
      case 'range':
        return this.walkRange(dot, dotIface, node);
      case 'template':
        return this.walkTemplate(dot, dotIface, node);
      case 'text':
        this.write(node.text);
        return NORMAL;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(dot: unknown, dotIface: boolean, node: BranchNode): Flow {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, dotIface, node.pipe);
    this.node = node;
    let flow: Flow = NORMAL;
    this.enter();
    if (isTrue(val)) {
      flow = node.type === 'with' ? this.walk(val, false, node.list) : this.walk(dot, dotIface, node.list);
    } else if (node.elseList) {
      flow = this.walk(dot, dotIface, node.elseList);
    }
    this.depth--;
    this.vars.length = mark;
    return flow;
  }

  private walkRange(dot: unknown, dotIface: boolean, r: BranchNode): Flow {
    this.node = r;
    const outerMark = this.vars.length;
    const val = this.evalPipeline(dot, dotIface, r.pipe);
    const mark = this.vars.length;
    const { decl, isAssign } = r.pipe;
    const oneIteration = (index: unknown, elem: unknown, elemIface: boolean): Flow => {
      this.node = r;
      if (decl.length > 0) {
        if (isAssign) {
          // With two variables the index comes first; with one, the element.
          if (decl.length > 1) this.setVar(decl[0].ident[0], index, false);
          else this.setVar(decl[0].ident[0], elem, elemIface);
        } else {
          this.setTopVar(1, elem, elemIface);
        }
      }
      if (decl.length > 1) {
        if (isAssign) this.setVar(decl[1].ident[0], elem, elemIface);
        else this.setTopVar(2, index, false);
      }
      const flow = this.walk(elem, elemIface, r.list);
      this.vars.length = mark;
      return flow;
    };
    let ran = false;
    this.enter();
    if (typeof val === 'number' && isInt(val)) {
      if (decl.length > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
      for (let i = 0; i < val; i++) {
        ran = true;
        if (oneIteration(undefined, i, false) === BREAK) break;
      }
    } else if (Array.isArray(val)) {
      for (let i = 0; i < val.length; i++) {
        ran = true;
        if (oneIteration(i, sliceIndex(val, i), true) === BREAK) break;
      }
    } else if (isMap(val)) {
      const keys = sortedKeys(val);
      this.step(keys.length);
      for (const key of keys) {
        ran = true;
        if (oneIteration(key, mapIndex(val, key), true) === BREAK) break;
      }
    } else if (val !== undefined) {
      this.errorf(`range can't iterate over ${formatValue(val)}`);
    }
    let flow: Flow = NORMAL;
    if (!ran && r.elseList) flow = this.walk(dot, dotIface, r.elseList);
    this.depth--;
    this.vars.length = outerMark;
    return flow;
  }

  private walkTemplate(dot: unknown, dotIface: boolean, t: TemplateNode): Flow {
    this.node = t;
    const tmpl = this.trees.get(t.name);
    if (!tmpl) this.errorf(`template ${goQuote(t.name)} not defined`);
    const newDot = this.evalPipeline(dot, dotIface, t.pipe);
    this.node = t;
    this.enter();
    const saved = { tree: this.tree, vars: this.vars };
    // No dynamic scoping: the called template sees only $.
    this.tree = tmpl;
    this.vars = [{ name: '$', value: newDot, iface: false }];
    this.walk(newDot, false, tmpl.root);
    this.depth--;
    this.tree = saved.tree;
    this.vars = saved.vars;
    return NORMAL;
  }

  /** Evaluates a pipeline; declared variables are pushed (callers pop them). */
  private evalPipeline(dot: unknown, dotIface: boolean, pipe: PipeNode | undefined): unknown {
    if (!pipe) return undefined;
    this.node = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, dotIface, cmd, value);
      // An interface {} is unwrapped: a nil one becomes no value.
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value, false);
      else this.vars.push({ name: v.ident[0], value, iface: false });
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
    }
  }

  private evalCommand(dot: unknown, dotIface: boolean, cmd: CommandNode, final: Final): unknown {
    this.step(1);
    const first = cmd.args[0];
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, dotIface, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, dotIface, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, dotIface, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, dotIface, first);
      case 'variable':
        return this.evalVariableNode(first, cmd.args, final);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
        break;
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(nodeString(first))}`);
  }

  private idealConstant(n: NumberNode): number {
    this.node = n;
    if (n.overflowsInt) this.errorf(`${n.text} overflows int`);
    return n.value;
  }

  private evalFieldNode(dot: unknown, dotIface: boolean, field: FieldNode, args: readonly ArgNode[], final: Final): unknown {
    this.node = field;
    return this.evalFieldChain(dot, dotIface, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, dotIface: boolean, chain: ChainNode, args: readonly ArgNode[], final: Final): unknown {
    this.node = chain;
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, dotIface, undefined, chain.node);
    return this.evalFieldChain(pipe, false, chain.field, args, final);
  }

  private evalVariableNode(variable: VariableNode, args: readonly ArgNode[], final: Final): unknown {
    this.node = variable;
    const v = this.varValue(variable.ident[0]);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return v.value;
    }
    return this.evalFieldChain(v.value, v.iface, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(receiver: unknown, receiverIface: boolean, ident: readonly string[], args: readonly ArgNode[], final: Final): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) {
      receiver = this.evalField(ident[i], [], MISSING, receiver, receiverIface);
      receiverIface = true;
    }
    return this.evalField(ident[n - 1], args, final, receiver, receiverIface);
  }

  private evalField(fieldName: string, args: readonly ArgNode[], final: Final, receiver: unknown, receiverIface: boolean): unknown {
    if (receiver === undefined) this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
    const typ = receiverIface ? 'interface {}' : typeName(receiver);
    if (receiver === null) this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
    if (isMap(receiver)) {
      if (args.length > 1 || final !== MISSING) this.errorf(`${fieldName} is not a method but has arguments`);
      const result = mapIndex(receiver, fieldName);
      // Go's missingkey=error.
      if (result === undefined) this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
      return result;
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  private evalFunction(dot: unknown, dotIface: boolean, node: IdentifierNode, cmd: Node, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.node = node;
    const name = node.ident;
    const fn = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
    if (!fn) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, dotIface, fn, cmd, name, args, final);
  }

  private evalCall(dot: unknown, dotIface: boolean, fn: Builtin, node: Node, name: string, args: readonly ArgNode[] | undefined, final: Final): unknown {
    const rest = args ? args.slice(1) : [];
    let numIn = rest.length;
    if (final !== MISSING) numIn++;
    let numFixed = rest.length;
    if (fn.variadic) {
      numFixed = fn.numIn - 1;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${fn.numIn - 1} got ${rest.length}`);
    } else if (numIn !== fn.numIn) {
      this.errorf(`wrong number of args for ${name}: want ${fn.numIn} got ${numIn}`);
    }

    // and/or short-circuit and return the deciding value.
    if (name === 'and' || name === 'or') {
      let v: unknown;
      for (const arg of rest) {
        v = this.evalArg(dot, dotIface, 'value', arg);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < rest.length; i++) argv.push(this.evalArg(dot, dotIface, fn.params[i], rest[i]));
    if (fn.variadic) {
      const kind = fn.params[fn.numIn - 1];
      for (; i < rest.length; i++) argv.push(this.evalArg(dot, dotIface, kind, rest[i]));
    }
    if (final !== MISSING) {
      let kind = fn.params[fn.numIn - 1];
      if (fn.variadic && numIn - 1 < numFixed) kind = fn.params[numIn - 1];
      argv.push(this.validateType(final, kind));
    }
    if (name === 'call') argv.unshift(rest.length > 0 ? nodeString(rest[0]) : String(final));
    // Work a function does grows with the strings it reads (len, index and slice encode them) and builds.
    let chars = 0;
    for (const a of argv) if (typeof a === 'string') chars += a.length;
    this.node = node;
    this.step(1 + Math.floor(chars / CHARS_PER_STEP));
    let result: unknown;
    try {
      result = fn.fn(argv, this.limits.maxOutputBytes);
    } catch (e) {
      this.node = node;
      if (e instanceof FmtLimitError) this.valueTooLarge();
      if (!(e instanceof FuncError)) throw e;
      this.errorf(`error calling ${name}: ${e.message}`);
    }
    if (typeof result === 'string') {
      this.checkValue(result);
      this.step(Math.floor(result.length / CHARS_PER_STEP));
    } else if (Array.isArray(result)) {
      this.step(Math.floor(result.length / CHARS_PER_STEP));
    }
    return result;
  }

  /** Checks a value against a parameter kind; `undefined` kind accepts anything. */
  private validateType(value: unknown, kind: ParamKind | undefined): unknown {
    if (kind === 'any') return value === undefined ? null : value;
    if (kind !== 'string') return value;
    if (value === undefined) this.errorf('invalid value; expected string');
    if (typeof value === 'string') return value;
    this.errorf(`wrong type for value; expected string; got ${typeName(value)}`);
  }

  private evalArg(dot: unknown, dotIface: boolean, kind: ParamKind | undefined, n: ArgNode): unknown {
    this.node = n;
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, kind);
      case 'nil':
        if (kind === 'string') this.errorf('cannot assign nil to string');
        return kind === 'any' ? null : undefined;
      case 'field':
        return this.validateType(this.evalFieldNode(dot, dotIface, n, [n], MISSING), kind);
      case 'variable':
        return this.validateType(this.evalVariableNode(n, [], MISSING), kind);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, dotIface, n), kind);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, dotIface, n, n, undefined, MISSING), kind);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, dotIface, n, [], MISSING), kind);
    }
    if (kind === 'string') {
      if (n.type === 'string') return n.text;
      this.errorf(`expected string; found ${nodeString(n)}`);
    }
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
  }

  private printValue(node: Node, v: unknown): void {
    this.node = node;
    if (v === undefined) {
      this.out += '<no value>';
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(node)} of type ${typeName(v)}`);
    let s: string;
    try {
      s = formatValue(v, this.limits.maxOutputBytes);
    } catch (e) {
      if (e instanceof FmtLimitError) this.overBudget('maxOutputBytes');
      throw e;
    }
    this.write(s);
  }
}

/**
 * Executes the named template of a set against data (missing map keys are
 * errors), within the limits; `deadline` is a performance.now() time.
 */
export function execute(trees: ReadonlyMap<string, Tree>, name: string, data: unknown, limits: Limits, deadline: number): string {
  const tree = trees.get(name);
  if (!tree) throw new TemplateError(`template: ${name}: ${goQuote(name)} is an incomplete or empty template`, { templateName: name });
  const dot = data === null ? undefined : data;
  const state = new State(tree, trees, [{ name: '$', value: dot, iface: false }], limits, deadline);
  try {
    state.walk(dot, false, tree.root);
  } catch (e) {
    // Only with a maxDepth far above the default, or data nested thousands deep.
    if (isStackOverflow(e)) {
      throw new TemplateBudgetError(
        `template: ${name}: render budget exceeded: data or templates nested too deep for the stack (maxDepth ${limits.maxDepth})`,
        {
          templateName: name,
          budget: 'maxDepth',
          limit: limits.maxDepth,
        },
      );
    }
    throw e;
  }
  return state.out;
}

export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}
