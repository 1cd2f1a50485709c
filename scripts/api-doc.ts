// Generates docs/api.md from the TSDoc of what constructs/index.ts exports:
// `npm run docs:api`; a test fails when the file is not current.
// The TypeScript parser reads the sources (no type checking: a full program
// with cdk8s's declarations takes seconds); `(typeof X)[number]` of an
// `as const` list is spelt out as its values.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const API_DOC = 'docs/api.md';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = 'constructs/index.ts';
/** Tags that say something about the declaration; any other `@word` is text. */
const KNOWN_TAGS = new Set(['default', 'deprecated', 'internal']);
/** Base classes that make a class a construct. */
const CONSTRUCT_BASES = new Set(['Construct', 'Chart', 'App']);

interface Doc {
  readonly text: string;
  readonly tags: ReadonlyMap<string, string>;
}

interface Member {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly doc: Doc;
}

interface Method {
  readonly signature: string;
  readonly doc: Doc;
}

type Entry =
  | {
      readonly kind: 'class';
      readonly name: string;
      readonly file: string;
      readonly doc: Doc;
      readonly heritage: string[];
      readonly construct: boolean;
      readonly ctor?: string;
      readonly statics: Method[];
      readonly methods: Method[];
      readonly props: Member[];
    }
  | {
      readonly kind: 'interface';
      readonly name: string;
      readonly file: string;
      readonly doc: Doc;
      readonly bases: string[];
      readonly props: Member[];
      readonly methods: Method[];
    }
  | { readonly kind: 'const'; readonly name: string; readonly file: string; readonly doc: Doc; readonly value: string };

const sources = new Map<string, ts.SourceFile>();

function source(file: string): ts.SourceFile {
  let sf = sources.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    sources.set(file, sf);
  }
  return sf;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function docOf(node: ts.Node): Doc {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const d = docs[docs.length - 1];
  if (!d) return { text: '', tags: new Map() };
  let text = ts.getTextOfJSDocComment(d.comment) ?? '';
  const tags = new Map<string, string>();
  for (const t of d.tags ?? []) {
    const value = ts.getTextOfJSDocComment(t.comment) ?? '';
    if (KNOWN_TAGS.has(t.tagName.text)) tags.set(t.tagName.text, value.trim());
    else text += `@${t.tagName.text}${value}`;
  }
  return { text: text.trim(), tags };
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
const isExported = (node: ts.Node) => hasModifier(node, ts.SyntaxKind.ExportKeyword);
const isHidden = (node: ts.Node, name: string) =>
  name.startsWith('_') ||
  hasModifier(node, ts.SyntaxKind.PrivateKeyword) ||
  hasModifier(node, ts.SyntaxKind.ProtectedKeyword) ||
  docOf(node).tags.has('internal');

/** The values of an exported `const X = [...] as const` in a file or the file it is imported from. */
function constList(sf: ts.SourceFile, name: string): string[] | undefined {
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== name || !d.initializer) continue;
        const init = ts.isAsExpression(d.initializer) ? d.initializer.expression : d.initializer;
        if (!ts.isArrayLiteralExpression(init) || !init.elements.every(ts.isStringLiteral)) return undefined;
        return init.elements.map((e) => `'${(e as ts.StringLiteral).text}'`);
      }
    }
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text.startsWith('.')) {
      const named = st.importClause?.namedBindings;
      if (named && ts.isNamedImports(named) && named.elements.some((e) => e.name.text === name)) {
        const file = relative(ROOT, join(ROOT, dirname(sf.fileName), st.moduleSpecifier.text.replace(/\.js$/, '.ts')));
        return constList(source(file), name);
      }
    }
  }
  return undefined;
}

function typeText(node: ts.TypeNode | undefined, sf: ts.SourceFile): string {
  if (!node) return 'unknown';
  const text = oneLine(node.getText(sf)).replace(/\(typeof (\w+)\)\[number\]/g, (whole, name: string) => {
    const values = constList(sf, name);
    if (!values) throw new Error(`${sf.fileName}: cannot spell out ${whole}: ${name} is not an 'as const' list of strings`);
    return values.join(' | ');
  });
  if (text.includes('typeof ')) throw new Error(`${sf.fileName}: cannot spell out the type ${text}`);
  return text;
}

function params(list: ts.NodeArray<ts.ParameterDeclaration>, sf: ts.SourceFile): string {
  return list
    .map((p) => `${p.dotDotDotToken ? '...' : ''}${p.name.getText(sf)}${p.questionToken || p.initializer ? '?' : ''}: ${typeText(p.type, sf)}`)
    .join(', ');
}

const memberName = (m: ts.ClassElement | ts.TypeElement, sf: ts.SourceFile) => (m.name ? m.name.getText(sf) : '');

function interfaceEntry(decl: ts.InterfaceDeclaration, file: string, locals: ReadonlyMap<string, ts.InterfaceDeclaration>): Entry {
  const sf = source(file);
  const props: Member[] = [];
  const methods: Method[] = [];
  const bases: string[] = [];
  const collect = (d: ts.InterfaceDeclaration) => {
    for (const clause of d.heritageClauses ?? []) {
      for (const t of clause.types) {
        const base = t.expression.getText(sf);
        const local = locals.get(base);
        // A base the package does not export is listed in place.
        if (local) collect(local);
        else bases.push(base);
      }
    }
    for (const m of d.members) {
      const name = memberName(m, sf);
      if (isHidden(m, name)) continue;
      if (ts.isPropertySignature(m)) props.push({ name, type: typeText(m.type, sf), optional: !!m.questionToken, doc: docOf(m) });
      else if (ts.isMethodSignature(m)) methods.push({ signature: `${name}(${params(m.parameters, sf)}): ${typeText(m.type, sf)}`, doc: docOf(m) });
    }
  };
  collect(decl);
  return { kind: 'interface', name: decl.name.text, file, doc: docOf(decl), bases, props, methods };
}

function classEntry(decl: ts.ClassDeclaration, file: string): Entry {
  const sf = source(file);
  const name = decl.name!.text;
  const heritage: string[] = [];
  let construct = false;
  for (const clause of decl.heritageClauses ?? []) {
    const names = clause.types.map((t) => t.getText(sf));
    if (clause.token === ts.SyntaxKind.ExtendsKeyword) construct = names.some((n) => CONSTRUCT_BASES.has(n));
    heritage.push(`${clause.token === ts.SyntaxKind.ExtendsKeyword ? 'extends' : 'implements'} ${names.join(', ')}`);
  }
  let ctor: string | undefined;
  const statics: Method[] = [];
  const methods: Method[] = [];
  const props: Member[] = [];
  const seen = new Set<string>();
  for (const m of decl.members) {
    if (ts.isConstructorDeclaration(m)) {
      if (!hasModifier(m, ts.SyntaxKind.PrivateKeyword) && !hasModifier(m, ts.SyntaxKind.ProtectedKeyword)) ctor = `new ${name}(${params(m.parameters, sf)})`;
      for (const p of m.parameters) {
        const pn = p.name.getText(sf);
        if (hasModifier(p, ts.SyntaxKind.PublicKeyword) || (hasModifier(p, ts.SyntaxKind.ReadonlyKeyword) && !isHidden(p, pn))) {
          if (!isHidden(p, pn)) props.push({ name: pn, type: typeText(p.type, sf), optional: !!p.questionToken, doc: docOf(p) });
        }
      }
      continue;
    }
    const mn = memberName(m, sf);
    if (isHidden(m, mn)) continue;
    const isStatic = hasModifier(m, ts.SyntaxKind.StaticKeyword);
    if (ts.isMethodDeclaration(m)) {
      const key = `${isStatic}:${mn}`;
      if (seen.has(key)) continue; // overloads: the first signature
      seen.add(key);
      const sig = `${isStatic ? `${name}.` : ''}${mn}(${params(m.parameters, sf)}): ${typeText(m.type, sf)}`;
      (isStatic ? statics : methods).push({ signature: sig, doc: docOf(m) });
    } else if (ts.isPropertyDeclaration(m)) {
      if (isStatic) {
        const shown = m.type || !m.initializer ? `: ${typeText(m.type, sf)}` : ` = ${oneLine(m.initializer.getText(sf))}`;
        statics.push({ signature: `${name}.${mn}${shown}`, doc: docOf(m) });
      } else props.push({ name: mn, type: typeText(m.type, sf), optional: !!m.questionToken, doc: docOf(m) });
    } else if (ts.isGetAccessorDeclaration(m)) {
      props.push({ name: mn, type: typeText(m.type, sf), optional: false, doc: docOf(m) });
    }
  }
  return { kind: 'class', name, file, doc: docOf(decl), heritage, construct, ...(ctor ? { ctor } : {}), statics, methods, props };
}

/** What constructs/index.ts exports, read from the files it re-exports. */
function entries(): Entry[] {
  const out: Entry[] = [];
  for (const st of source(ENTRY).statements) {
    if (!ts.isExportDeclaration(st) || st.exportClause || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) {
      throw new Error(`${ENTRY}: only \`export * from './x.js'\` is supported, got: ${oneLine(st.getText())}`);
    }
    const file = join('constructs', st.moduleSpecifier.text.replace(/\.js$/, '.ts'));
    const sf = source(file);
    const locals = new Map(
      sf.statements
        .filter(ts.isInterfaceDeclaration)
        .filter((d) => !isExported(d))
        .map((d) => [d.name.text, d] as const),
    );
    for (const s of sf.statements) {
      if (!isExported(s)) continue;
      if (ts.isClassDeclaration(s)) out.push(classEntry(s, file));
      else if (ts.isInterfaceDeclaration(s)) out.push(interfaceEntry(s, file, locals));
      else if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) {
          out.push({ kind: 'const', name: d.name.getText(sf), file, doc: docOf(s), value: oneLine(d.initializer?.getText(sf) ?? '') });
        }
      } else throw new Error(`${file}: a ${ts.SyntaxKind[s.kind]} is exported; the API reference does not describe it yet`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- markdown

/** `IWorkspace`, `ITask`: what a construct offers, not props to fill in. */
const isConstructInterface = (name: string) => /^I[A-Z]/.test(name);
const anchor = (name: string) => `#${name.toLowerCase()}`;
const cell = (text: string) => oneLine(text).replace(/\|/g, '\\|');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

function render(all: Entry[]): string {
  const documented = new Set(all.map((e) => e.name));
  /** Links to the documented names a type or signature mentions. */
  const see = (text: string, self?: string) => {
    const names = [...new Set(text.match(/\b[A-Z]\w*\b/g) ?? [])].filter((n) => documented.has(n) && n !== self);
    return names.length ? ` (${names.map((n) => `[${n}](${anchor(n)})`).join(', ')})` : '';
  };
  const description = (doc: Doc) => {
    const deprecated = doc.tags.get('deprecated');
    return `${deprecated !== undefined ? `**Deprecated**${deprecated ? `: ${deprecated}` : ''}. ` : ''}${doc.text}`;
  };
  const defaultOf = (m: Member) => {
    const d = m.doc.tags.get('default');
    if (d === undefined) return m.optional ? '' : 'required';
    return d.startsWith('- ') ? d.slice(2) : code(d);
  };
  const table = (members: readonly Member[], self: string) =>
    [
      '| name | type | default | description |',
      '|---|---|---|---|',
      ...members.map((m) => `| \`${m.name}\` | ${cell(code(m.type) + see(m.type, self))} | ${cell(defaultOf(m))} | ${cell(description(m.doc))} |`),
    ].join('\n');
  const properties = (members: readonly Member[], self: string) =>
    [
      '| name | type | description |',
      '|---|---|---|',
      ...members.map(
        (m) => `| \`${m.name}\` | ${cell(code(m.optional ? `${m.type} | undefined` : m.type) + see(m.type, self))} | ${cell(description(m.doc))} |`,
      ),
    ].join('\n');
  const methods = (title: string, list: readonly Method[], self: string) =>
    list.length
      ? `\n**${title}**\n\n${list.map((m) => `- ${code(m.signature)}${see(m.signature, self)}${m.doc.text ? ` — ${oneLine(description(m.doc))}` : ''}`).join('\n')}\n`
      : '';
  const where = (e: Entry) => `Defined in \`${e.file}\`.`;

  const section = (e: Entry): string => {
    const head = `### ${e.name}\n\n${e.doc.text ? `${description(e.doc)}\n\n` : ''}`;
    if (e.kind === 'const') return `${head}${code(`${e.name} = ${e.value}`)}. ${where(e)}\n`;
    if (e.kind === 'interface') {
      const bases = e.bases.length
        ? ` Extends ${e.bases.map((b) => (documented.has(b) ? `[${b}](${anchor(b)})` : code(b))).join(', ')}, whose members apply too.`
        : '';
      return `${head}${where(e)}${bases}\n${e.props.length ? `\n${(isConstructInterface(e.name) ? properties : table)(e.props, e.name)}\n` : ''}${methods('Methods', e.methods, e.name)}`;
    }
    const ctor = e.ctor
      ? `\n${code(e.ctor)}${see(e.ctor, e.name)}\n`
      : `\nNo public constructor: ${e.statics.length ? 'use the factories below' : 'made by kelos'}.\n`;
    return `${head}${where(e)}${e.heritage.length ? ` ${cell(e.heritage.map(code).join(', '))}.` : ''}\n${ctor}${methods('Factories and static members', e.statics, e.name)}${
      e.props.length ? `\n**Properties**\n\n${properties(e.props, e.name)}\n` : ''
    }${methods('Methods', e.methods, e.name)}`;
  };

  const groups: Array<[string, string, Entry[]]> = [
    ['Constructs', 'Classes that add objects to a chart.', all.filter((e) => e.kind === 'class' && e.construct)],
    ['Classes and factories', 'Values passed to the constructs, made by their static factories.', all.filter((e) => e.kind === 'class' && !e.construct)],
    [
      'Props',
      'The props of constructs and factories; a prop without a default is required.',
      all.filter((e) => e.kind === 'interface' && !isConstructInterface(e.name)),
    ],
    [
      'Interfaces',
      'What a construct offers to others (`workspace: IWorkspace`); `X.fromName()` makes one for an object applied elsewhere.',
      all.filter((e) => e.kind === 'interface' && isConstructInterface(e.name)),
    ],
    ['Constants', '', all.filter((e) => e.kind === 'const')],
  ];
  for (const g of groups) g[2].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const contents = groups
    .filter(([, , list]) => list.length)
    .map(([title, , list]) => `- **${title}**: ${list.map((e) => `[${e.name}](${anchor(e.name)})`).join(', ')}`);
  const body = groups
    .filter(([, , list]) => list.length)
    .map(([title, intro, list]) => `## ${title}\n\n${intro ? `${intro}\n\n` : ''}${list.map(section).join('\n')}`)
    .join('\n');
  return `<!-- Generated from the TSDoc of constructs/ by \`npm run docs:api\`; do not edit. -->
# API reference

Everything the package exports (\`import { … } from 'kelos'\`), read from the
TSDoc comments of \`constructs/\`. Constructs take \`(scope, id, props)\`; props
are read-only; an optional prop's default is what happens when it is left out.
The template variables each source offers are in [template-variables.md](template-variables.md).

${contents.join('\n')}

${body}`;
}

/** The text of docs/api.md. */
export function apiDoc(): string {
  return render(entries());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(join(ROOT, API_DOC), apiDoc());
