import { canBackquote, formatFloat, goQuote, goQuoteRune, isPrint, runeCount, truncateRunes, utf8Bytes } from './_strconv.js';
import { isInt, isMap, sortedKeys, typeName } from './_values.js';

/** A printer's buffer went over its limit (in UTF-16 units, so never less than the UTF-8 bytes). */
export class FmtLimitError extends Error {}

/**
 * A port of Go's fmt printer (print.go, format.go) for the value kinds a
 * template sees: nil, bool, int, float64, string, []interface {} and
 * map[string]interface {}.
 */
class Printer {
  buf = '';
  /** Longest buf may grow; a width or precision can ask for 1e6 characters in one verb. */
  private readonly limit: number;
  private widPresent = false;
  private precPresent = false;
  private minus = false;
  private plus = false;
  private sharp = false;
  private space = false;
  private zero = false;
  private sharpV = false;
  private wid = 0;
  private prec = 0;
  private reordered = false;
  private goodArgNum = true;

  constructor(limit = Infinity) {
    this.limit = limit;
  }

  private checkLimit(extra = 0): void {
    if (this.buf.length + extra > this.limit) throw new FmtLimitError();
  }

  clearflags(): void {
    this.widPresent = this.precPresent = this.minus = this.plus = this.sharp = false;
    this.space = this.zero = this.sharpV = false;
    this.wid = this.prec = 0;
  }

  private writePadding(n: number): void {
    if (n <= 0) return;
    this.checkLimit(n);
    this.buf += (this.zero && !this.minus ? '0' : ' ').repeat(n);
  }

  private pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  private fmtUnicode(u: number): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let s = 'U+' + (u < 0 ? BigInt.asUintN(64, BigInt(u)) : u).toString(16).toUpperCase().padStart(prec, '0');
    if (this.sharp && u >= 0 && u <= 0x10ffff && isPrint(u)) s += " '" + String.fromCodePoint(u) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  private fmtInteger(v: number, base: number, verb: string, upper: boolean): void {
    const negative = v < 0;
    const u = Math.abs(v);
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = u < 2 ** 53 ? u.toString(base) : BigInt(u).toString(base);
    if (upper) s = s.toUpperCase();
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = '0b' + s;
      else if (base === 8 && s[0] !== '0') s = '0' + s;
      else if (base === 16) s = (upper ? '0X' : '0x') + s;
    }
    if (verb === 'O') s = '0o' + s;
    if (negative) s = '-' + s;
    else if (this.plus) s = '+' + s;
    else if (this.space) s = ' ' + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  private truncateString(s: string): string {
    return this.precPresent ? truncateRunes(s, this.prec) : s;
  }

  private fmtS(s: string): void {
    this.pad(this.truncateString(s));
  }

  private fmtSx(s: string, upper: boolean): void {
    const bytes = utf8Bytes(s);
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    const prefix = upper ? '0X' : '0x';
    let out = this.sharp ? prefix : '';
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += prefix;
      }
      const hex = bytes[i].toString(16).padStart(2, '0');
      out += upper ? hex.toUpperCase() : hex;
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  private fmtQ(s: string): void {
    s = this.truncateString(s);
    if (this.sharp && canBackquote(s)) {
      this.pad('`' + s + '`');
      return;
    }
    this.pad(goQuote(s, this.plus));
  }

  private static rune(c: number): number {
    return c < 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ? 0xfffd : c;
  }

  private fmtC(c: number): void {
    this.pad(String.fromCodePoint(Printer.rune(c)));
  }

  private fmtQc(c: number): void {
    this.pad(goQuoteRune(Printer.rune(c), this.plus));
  }

  private fmtFloat(v: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') digits = prec === -1 ? 6 : prec;
      let tail = '';
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < num.length; i++) {
        const c = num[i];
        if (c === '.') {
          hasDecimalPoint = true;
        } else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
          tail = num.slice(i);
          num = num.slice(0, i);
        } else {
          if (c !== '0') sawNonzeroDigit = true;
          if (sawNonzeroDigit) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (num.length === 2 && num[1] === '0') digits--;
        num += '.';
      }
      if (digits > 0) num += '0'.repeat(digits);
      num += tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  private badVerb(verb: string, v: unknown): void {
    this.buf += '%!' + verb + '(';
    if (v === null || v === undefined) {
      this.buf += '<nil>';
    } else {
      this.buf += typeName(v) + '=';
      this.printArg(v, 'v');
    }
    this.buf += ')';
  }

  private fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.pad(v ? 'true' : 'false');
    else this.badVerb(verb, v);
  }

  private fmtInt(v: number, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        return this.fmtInteger(v, 10, verb, false);
      case 'b':
        return this.fmtInteger(v, 2, verb, false);
      case 'o':
      case 'O':
        return this.fmtInteger(v, 8, verb, false);
      case 'x':
        return this.fmtInteger(v, 16, verb, false);
      case 'X':
        return this.fmtInteger(v, 16, verb, true);
      case 'c':
        return this.fmtC(v);
      case 'q':
        return this.fmtQc(v);
      case 'U':
        return this.fmtUnicode(v);
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        // JS cannot tell 3 from 3.0, so float verbs accept integral numbers (Go: %!f(int=3)).
        return this.fmtFloat64(v, verb);
      default:
        return this.badVerb(verb, v);
    }
  }

  private fmtFloat64(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloat(v, 'g', -1);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloat(v, verb, -1);
      case 'f':
      case 'e':
      case 'E':
        return this.fmtFloat(v, verb, 6);
      case 'F':
        return this.fmtFloat(v, 'f', 6);
      default:
        return this.badVerb(verb, v);
    }
  }

  private fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        return this.sharpV ? this.fmtQ(v) : this.fmtS(v);
      case 's':
        return this.fmtS(v);
      case 'x':
        return this.fmtSx(v, false);
      case 'X':
        return this.fmtSx(v, true);
      case 'q':
        return this.fmtQ(v);
      default:
        return this.badVerb(verb, v);
    }
  }

  printArg(arg: unknown, verb: string): void {
    if (arg === null || arg === undefined) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.fmtS(typeName(arg));
      return;
    }
    if (verb === 'p') {
      this.badVerb(verb, arg);
      return;
    }
    this.printValue(arg, verb, 0);
  }

  private printValue(value: unknown, verb: string, depth: number): void {
    switch (typeof value) {
      case 'boolean':
        return this.fmtBool(value, verb);
      case 'number':
        return isInt(value) ? this.fmtInt(value, verb) : this.fmtFloat64(value, verb);
      case 'bigint':
        return this.fmtInt(Number(value), verb);
      case 'string':
        return this.fmtString(value, verb);
      case 'undefined':
        if (depth === 0) this.buf += '<invalid reflect.Value>';
        else if (verb === 'v') this.buf += '<nil>';
        else this.badVerb(verb, value);
        return;
      case 'function':
        this.buf += `%!${verb}(func())`;
        return;
    }
    if (value === null) {
      this.buf += this.sharpV ? 'interface {}(nil)' : '<nil>';
      return;
    }
    if (Array.isArray(value)) {
      this.buf += this.sharpV ? '[]interface {}{' : '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
        this.printElem(value[i], verb, depth + 1);
        this.checkLimit();
      }
      this.buf += this.sharpV ? '}' : ']';
      return;
    }
    if (isMap(value)) {
      this.buf += this.sharpV ? 'map[string]interface {}{' : 'map[';
      let first = true;
      for (const key of sortedKeys(value)) {
        if (!first) this.buf += this.sharpV ? ', ' : ' ';
        first = false;
        this.printValue(key, verb, depth + 1);
        this.buf += ':';
        this.printElem(value[key], verb, depth + 1);
        this.checkLimit();
      }
      this.buf += this.sharpV ? '}' : ']';
      return;
    }
    this.buf += `%!${verb}(${typeName(value)})`;
  }

  /** An element of a slice or map: an interface {} value. */
  private printElem(value: unknown, verb: string, depth: number): void {
    if (value === null || value === undefined) this.buf += this.sharpV ? 'interface {}(nil)' : '<nil>';
    else this.printValue(value, verb, depth + 1);
  }

  private static parsenum(s: string, start: number, end: number): [number, boolean, number] {
    if (start >= end) return [0, false, end];
    let num = 0;
    let isnum = false;
    let i = start;
    for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
      if (num > 1e6 || num < -1e6) return [0, false, end];
      num = num * 10 + (s.charCodeAt(i) - 48);
      isnum = true;
    }
    return [num, isnum, i];
  }

  private static intFromArg(a: readonly unknown[], argNum: number): [number, boolean, number] {
    let num = 0;
    let isNum = false;
    let newArgNum = argNum;
    if (argNum < a.length) {
      const v = a[argNum];
      if (typeof v === 'number' && isInt(v)) {
        num = v;
        isNum = true;
      }
      newArgNum = argNum + 1;
      if (num > 1e6 || num < -1e6) {
        num = 0;
        isNum = false;
      }
    }
    return [num, isNum, newArgNum];
  }

  private argNumber(argNum: number, format: string, i: number, numArgs: number): [number, number, boolean] {
    if (format.length <= i || format[i] !== '[') return [argNum, i, false];
    this.reordered = true;
    const s = format.slice(i);
    let index = 0;
    let wid = 1;
    let ok = false;
    if (s.length >= 3) {
      for (let j = 1; j < s.length; j++) {
        if (s[j] === ']') {
          const [width, isnum, newi] = Printer.parsenum(s, 1, j);
          if (!isnum || newi !== j) {
            wid = j + 1;
          } else {
            index = width - 1;
            wid = j + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
    this.goodArgNum = false;
    return [argNum, i + wid, ok];
  }

  doPrintf(format: string, a: readonly unknown[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex = false;
    this.reordered = false;
    let i = 0;
    while (i < end) {
      this.goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++;
      this.clearflags();
      flags: for (; i < end; i++) {
        switch (format[i]) {
          case '#':
            this.sharp = true;
            break;
          case '0':
            this.zero = true;
            break;
          case '+':
            this.plus = true;
            break;
          case '-':
            this.minus = true;
            break;
          case ' ':
            this.space = true;
            break;
          default:
            break flags;
        }
      }
      [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
      if (i < end && format[i] === '*') {
        i++;
        [this.wid, this.widPresent, argNum] = Printer.intFromArg(a, argNum);
        if (!this.widPresent) this.buf += '%!(BADWIDTH)';
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        [this.wid, this.widPresent, i] = Printer.parsenum(format, i, end);
        if (afterIndex && this.widPresent) this.goodArgNum = false;
      }
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) this.goodArgNum = false;
        [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
        if (i < end && format[i] === '*') {
          i++;
          [this.prec, this.precPresent, argNum] = Printer.intFromArg(a, argNum);
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          [this.prec, this.precPresent, i] = Printer.parsenum(format, i, end);
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }
      if (!afterIndex) [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      const verb = String.fromCodePoint(format.codePointAt(i)!);
      i += verb.length;
      if (verb === '%') {
        this.buf += '%';
      } else if (!this.goodArgNum) {
        this.buf += '%!' + verb + '(BADINDEX)';
      } else if (argNum >= a.length) {
        this.buf += '%!' + verb + '(MISSING)';
      } else {
        if (verb === 'v' || verb === 'w') {
          this.sharpV = this.sharp;
          this.sharp = false;
          // %+v only differs from %v for structs, which templates never see.
          this.plus = false;
        }
        this.printArg(a[argNum], verb);
        this.checkLimit();
        argNum++;
      }
    }
    if (!this.reordered && argNum < a.length) {
      this.clearflags();
      this.buf += '%!(EXTRA ';
      for (let k = argNum; k < a.length; k++) {
        if (k > argNum) this.buf += ', ';
        const arg = a[k];
        if (arg === null || arg === undefined) {
          this.buf += '<nil>';
        } else {
          this.buf += typeName(arg) + '=';
          this.printArg(arg, 'v');
          this.checkLimit();
        }
      }
      this.buf += ')';
    }
  }

  doPrint(a: readonly unknown[]): void {
    let prevString = false;
    for (let k = 0; k < a.length; k++) {
      const isString = typeof a[k] === 'string';
      if (k > 0 && !isString && !prevString) this.buf += ' ';
      this.printArg(a[k], 'v');
      this.checkLimit();
      prevString = isString;
    }
  }

  doPrintln(a: readonly unknown[]): void {
    for (let k = 0; k < a.length; k++) {
      if (k > 0) this.buf += ' ';
      this.printArg(a[k], 'v');
      this.checkLimit();
    }
    this.buf += '\n';
  }
}

/*
 * Each takes the longest result it may build (in UTF-16 units) and throws
 * FmtLimitError rather than build more; a result can overshoot by one
 * argument's text.
 */

/** fmt.Sprint of one value: what {{.}} prints. */
export function formatValue(v: unknown, limit?: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && isInt(v) && Math.abs(v) < 2 ** 53) return String(v);
  const p = new Printer(limit);
  p.printArg(v, 'v');
  return p.buf;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[], limit?: number): string {
  const p = new Printer(limit);
  p.doPrintf(format, args);
  return p.buf;
}

/** fmt.Sprint. */
export function sprint(args: readonly unknown[], limit?: number): string {
  const p = new Printer(limit);
  p.doPrint(args);
  return p.buf;
}

/** fmt.Sprintln. */
export function sprintln(args: readonly unknown[], limit?: number): string {
  const p = new Printer(limit);
  p.doPrintln(args);
  return p.buf;
}
