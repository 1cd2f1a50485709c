import { budgetPhrase, STEPS_PER_CLOCK_CHECK } from './_budget.js';
import { isBuiltin } from './_builtins.js';
import { Lexer, T, type Token, type TokenType, tokenString } from './_lexer.js';
import {
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type ElseNode,
  type EndNode,
  type ListNode,
  type Node,
  type NumberNode,
  nodeString,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from './_nodes.js';
import { goQuote, goUnquote, goUnquoteChar, parseGoNumber } from './_strconv.js';
import { TemplateBudgetError } from './template-budget-error.js';
import { TemplateError } from './template-error.js';

interface ParseContext {
  readonly lex: Lexer;
  readonly treeSet: Map<string, Tree>;
  readonly parseName: string;
  readonly text: string;
  /** Deepest nesting of bodies and parentheses allowed (Go allows 10000 parentheses; the JS stack is smaller). */
  readonly maxDepth: number;
  depth: number;
  /** performance.now() past which parsing stops (parsing is linear, but a text can be megabytes). */
  readonly deadline: number;
  readonly timeoutMs: number;
  tokens: number;
}

const EOF_TOKEN: Token = { typ: T.EOF, pos: 0, val: 'EOF', line: 1 };

/** 1-based line and column (UTF-16 units) of an offset. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

function newList(pos: number): ListNode {
  return { type: 'list', pos, nodes: [] };
}

function newVariable(pos: number, ident: string): VariableNode {
  return { type: 'variable', pos, ident: ident.split('.') };
}

function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'comment':
      return true;
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim() === '';
    default:
      return false;
  }
}

/** One template body being parsed: Go's parse.Tree while parsing. */
class TreeParser {
  private name: string;
  private root: ListNode = newList(0);
  private readonly token: Token[] = [EOF_TOKEN, EOF_TOKEN, EOF_TOKEN];
  private peekCount = 0;
  private readonly vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(
    private readonly ctx: ParseContext,
    name: string,
  ) {
    this.name = name;
  }

  private next(): Token {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.nextToken();
    return this.token[this.peekCount];
  }

  private backup(): void {
    this.peekCount++;
  }

  private backup2(t1: Token): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  private backup3(t2: Token, t1: Token): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  private peek(): Token {
    if (this.peekCount > 0) return this.token[this.peekCount - 1];
    this.peekCount = 1;
    this.token[0] = this.nextToken();
    return this.token[0];
  }

  private nextNonSpace(): Token {
    let token: Token;
    do token = this.next();
    while (token.typ === T.SPACE);
    return token;
  }

  private peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  private errorf(message: string): never {
    const { line, pos } = this.token[0];
    const { column } = lineColumn(this.ctx.text, pos);
    throw new TemplateError(`template: ${this.ctx.parseName}:${line}: ${message}`, {
      templateName: this.ctx.parseName,
      line,
      column,
    });
  }

  private nextToken(): Token {
    const ctx = this.ctx;
    if (++ctx.tokens % STEPS_PER_CLOCK_CHECK === 0 && performance.now() > ctx.deadline) {
      const { line, pos } = this.token[0];
      throw new TemplateBudgetError(`template: ${ctx.parseName}:${line}: render budget exceeded: ${budgetPhrase('timeoutMs', ctx.timeoutMs)} while parsing`, {
        templateName: ctx.parseName,
        line,
        column: lineColumn(ctx.text, pos).column,
        budget: 'timeoutMs',
        limit: ctx.timeoutMs,
      });
    }
    return ctx.lex.nextItem();
  }

  /** Enters a nested body or parenthesis; callers leave with `this.ctx.depth--`. */
  private enter(): void {
    if (++this.ctx.depth <= this.ctx.maxDepth) return;
    const { line, pos } = this.token[0];
    const { column } = lineColumn(this.ctx.text, pos);
    const limit = this.ctx.maxDepth;
    throw new TemplateBudgetError(`template: ${this.ctx.parseName}:${line}: render budget exceeded: ${budgetPhrase('maxDepth', limit)}`, {
      templateName: this.ctx.parseName,
      line,
      column,
      budget: 'maxDepth',
      limit,
    });
  }

  private expect(expected: TokenType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  private expectOneOf(expected1: TokenType, expected2: TokenType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.typ !== expected1 && token.typ !== expected2) this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Token, context: string): never {
    if (token.typ === T.ERROR) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.ctx.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${tokenString(token)}${extra}`);
    }
    this.errorf(`unexpected ${tokenString(token)} in ${context}`);
  }

  /** Adds this tree to the set; an empty body never replaces a non-empty one. */
  add(): void {
    const tree = this.ctx.treeSet.get(this.name);
    if (tree === undefined || isEmptyTree(tree.root)) {
      this.ctx.treeSet.set(this.name, {
        name: this.name,
        parseName: this.ctx.parseName,
        text: this.ctx.text,
        root: this.root,
      });
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf(`template: multiple definition of template ${goQuote(this.name)}`);
  }

  /** The top level: like itemList, but also accepts {{define}}, and runs to EOF. */
  parse(): void {
    this.root = newList(this.peek().pos);
    while (this.peek().typ !== T.EOF) {
      if (this.peek().typ === T.LEFT_DELIM) {
        const delim = this.next();
        if (this.nextNonSpace().typ === T.DEFINE) {
          new TreeParser(this.ctx, 'definition').parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      this.root.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(T.STRING, T.RAW_STRING, context);
    const unquoted = goUnquote(name.val);
    if (unquoted === undefined) this.errorf('invalid syntax');
    this.name = unquoted;
    this.expect(T.RIGHT_DELIM, context);
    this.enter();
    const [root, end] = this.itemList();
    this.ctx.depth--;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.root = root;
    this.add();
  }

  private itemList(): [ListNode, EndNode | ElseNode] {
    const list = newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== T.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.TEXT:
        return { type: 'text', pos: token.pos, text: token.val };
      case T.LEFT_DELIM: {
        this.actionLine = token.line;
        const n = this.action();
        this.actionLine = 0;
        return n;
      }
      case T.COMMENT:
        return { type: 'comment', pos: token.pos, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.BLOCK:
        return this.blockControl();
      case T.BREAK:
        return this.loopControl('break', token.pos);
      case T.CONTINUE:
        return this.loopControl('continue', token.pos);
      case T.ELSE:
        return this.elseControl();
      case T.END:
        return { type: 'end', pos: this.expect(T.RIGHT_DELIM, 'end').pos };
      case T.IF:
        return this.branchControl('if');
      case T.RANGE:
        return this.branchControl('range');
      case T.TEMPLATE:
        return this.templateControl();
      case T.WITH:
        return this.branchControl('with');
    }
    this.backup();
    const pos = this.peek().pos;
    // Variables are not popped here; they live until the enclosing {{end}}.
    return { type: 'action', pos, pipe: this.pipeline('command', T.RIGHT_DELIM) };
  }

  private loopControl(kind: 'break' | 'continue', pos: number): Node {
    const token = this.nextNonSpace();
    if (token.typ !== T.RIGHT_DELIM) this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos };
  }

  private pipeline(context: string, end: TokenType): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== T.VARIABLE) break;
      this.next();
      // "$x foo" versus "$x := foo": look past the space, and push back if needed.
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === T.ASSIGN || next.typ === T.DECLARE) {
        pipe.isAssign = next.typ === T.ASSIGN;
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === T.CHAR && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().typ;
          if (t === T.VARIABLE || t === T.RIGHT_DELIM || t === T.RIGHT_PAREN) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === T.SPACE) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case T.BOOL:
        case T.CHAR_CONSTANT:
        case T.COMPLEX:
        case T.DOT:
        case T.FIELD:
        case T.IDENTIFIER:
        case T.NUMBER:
        case T.NIL:
        case T.RAW_STRING:
        case T.STRING:
        case T.VARIABLE:
        case T.LEFT_PAREN:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const t = pipe.cmds[i].args[0].type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private branchControl(context: 'if' | 'range' | 'with'): BranchNode {
    const varsLength = this.vars.length;
    const pipe = this.pipeline(context, T.RIGHT_DELIM);
    this.enter();
    if (context === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (next.type === 'else') {
      // {{else if x}} and {{else with x}} nest an if/with that shares the {{end}}.
      if (context === 'if' && this.peek().typ === T.IF) {
        this.next();
        elseList = newList(next.pos);
        elseList.nodes.push(this.branchControl('if'));
      } else if (context === 'with' && this.peek().typ === T.WITH) {
        this.next();
        elseList = newList(next.pos);
        elseList.nodes.push(this.branchControl('with'));
      } else {
        const [list2, end] = this.itemList();
        if (end.type !== 'end') this.errorf(`expected end; found ${nodeString(end)}`);
        elseList = list2;
      }
    }
    this.vars.length = varsLength;
    this.ctx.depth--;
    return { type: context, pos: pipe.pos, pipe, list, elseList };
  }

  private elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.typ === T.IF || peek.typ === T.WITH) return { type: 'else', pos: peek.pos };
    return { type: 'else', pos: this.expect(T.RIGHT_DELIM, 'else').pos };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, T.RIGHT_DELIM);
    const block = new TreeParser(this.ctx, name);
    this.enter();
    const [root, end] = block.itemList();
    this.ctx.depth--;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.root = root;
    block.add();
    return { type: 'template', pos: token.pos, name, pipe };
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== T.RIGHT_DELIM) {
      this.backup();
      pipe = this.pipeline(context, T.RIGHT_DELIM);
    }
    return { type: 'template', pos: token.pos, name, pipe };
  }

  private parseTemplateName(token: Token, context: string): string {
    if (token.typ === T.STRING || token.typ === T.RAW_STRING) {
      const s = goUnquote(token.val);
      if (s === undefined) this.errorf('invalid syntax');
      return s;
    }
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === T.SPACE) continue;
      if (token.typ === T.RIGHT_DELIM || token.typ === T.RIGHT_PAREN) this.backup();
      else if (token.typ !== T.PIPE) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    let node = this.term();
    if (!node) return undefined;
    if (this.peek().typ === T.FIELD) {
      const pos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().typ === T.FIELD) fields.push(this.next().val.slice(1));
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos, ident: [...node.ident, ...fields] };
          break;
        case 'variable':
          node = { type: 'variable', pos, ident: [...node.ident, ...fields] };
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
          break;
        default:
          node = { type: 'chain', pos, node, field: fields };
      }
    }
    return node;
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.IDENTIFIER:
        if (!isBuiltin(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: 'identifier', pos: token.pos, ident: token.val };
      case T.DOT:
        return { type: 'dot', pos: token.pos };
      case T.NIL:
        return { type: 'nil', pos: token.pos };
      case T.VARIABLE:
        return this.useVar(token.pos, token.val);
      case T.FIELD:
        return { type: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case T.BOOL:
        return { type: 'bool', pos: token.pos, value: token.val === 'true' };
      case T.CHAR_CONSTANT:
      case T.COMPLEX:
      case T.NUMBER:
        return this.newNumber(token);
      case T.LEFT_PAREN: {
        this.enter();
        const pipe = this.pipeline('parenthesized pipeline', T.RIGHT_PAREN);
        this.ctx.depth--;
        return pipe;
      }
      case T.STRING:
      case T.RAW_STRING: {
        const text = goUnquote(token.val);
        if (text === undefined) this.errorf('invalid syntax');
        return { type: 'string', pos: token.pos, quoted: token.val, text };
      }
    }
    this.backup();
    return undefined;
  }

  private newNumber(token: Token): NumberNode {
    const text = token.val;
    if (token.typ === T.CHAR_CONSTANT) {
      const r = goUnquoteChar(text);
      if (typeof r !== 'number') this.errorf(r.error);
      return { type: 'number', pos: token.pos, text, value: r, overflowsInt: false };
    }
    if (token.typ === T.COMPLEX || text.endsWith('i')) {
      this.errorf(`complex numbers are not supported: ${goQuote(text)}`);
    }
    const n = parseGoNumber(text);
    if ('error' in n) this.errorf(n.error);
    return { type: 'number', pos: token.pos, text, value: n.value, overflowsInt: n.overflowsInt };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = newVariable(pos, name);
    if (!this.vars.includes(v.ident[0])) this.errorf(`undefined variable ${goQuote(v.ident[0])}`);
    return v;
  }
}

/**
 * Parses a template and the templates it defines ({{define}}, {{block}}).
 * Throws TemplateError with Go's messages on syntax errors and unknown functions.
 */
export function parseTrees(text: string, name: string, maxDepth: number, timeoutMs: number): Map<string, Tree> {
  const ctx: ParseContext = {
    lex: new Lexer(text),
    treeSet: new Map(),
    parseName: name,
    text,
    maxDepth,
    depth: 0,
    deadline: performance.now() + timeoutMs,
    timeoutMs,
    tokens: 0,
  };
  const main = new TreeParser(ctx, name);
  try {
    main.parse();
  } catch (e) {
    // Only with a maxDepth far above the default.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new TemplateBudgetError(`template: ${name}: render budget exceeded: templates nested too deep for the stack (maxDepth ${maxDepth})`, {
        templateName: name,
        budget: 'maxDepth',
        limit: maxDepth,
      });
    }
    throw e;
  }
  main.add();
  return ctx.treeSet;
}
