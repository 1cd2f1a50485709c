// Reads an object field by field and remembers what was read, so every field
// the importer did not turn into code can be reported instead of lost.

export class Reader {
  private readonly taken = new Set<string>();
  private readonly children = new Map<string, Reader>();
  private readonly lists = new Map<string, Reader[]>();

  constructor(
    readonly value: Record<string, unknown>,
    readonly path: string,
  ) {}

  static of(value: unknown, path: string): Reader {
    return new Reader(value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}, path);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  /** The value of a field (consumed, with everything under it). */
  take<T = unknown>(key: string): T | undefined {
    this.taken.add(key);
    const v = this.value[key];
    return v === null ? undefined : (v as T);
  }

  string(key: string): string | undefined {
    const v = this.take(key);
    return v === undefined ? undefined : String(v);
  }

  /** A nested object, read field by field. */
  child(key: string): Reader {
    this.taken.add(key);
    let r = this.children.get(key);
    if (!r) {
      r = Reader.of(this.value[key], this.path ? `${this.path}.${key}` : key);
      this.children.set(key, r);
    }
    return r;
  }

  /** The elements of an array field that are objects, each read field by field. */
  items(key: string): Reader[] {
    this.taken.add(key);
    let list = this.lists.get(key);
    if (!list) {
      const v = this.value[key];
      const base = this.path ? `${this.path}.${key}` : key;
      list = Array.isArray(v) ? v.map((x, i) => Reader.of(x, `${base}[${i}]`)) : [];
      this.lists.set(key, list);
    }
    return list;
  }

  /** Marks a field as handled without reading it (server-set fields, known drops). */
  skip(...keys: string[]): void {
    for (const k of keys) this.taken.add(k);
  }

  /** Paths of the fields nobody read. */
  leftovers(): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(this.value)) {
      if (v === undefined || v === null) continue;
      const p = this.path ? `${this.path}.${k}` : k;
      const child = this.children.get(k);
      const list = this.lists.get(k);
      if (child) out.push(...child.leftovers());
      else if (list) out.push(...list.flatMap((r) => r.leftovers()));
      else if (!this.taken.has(k)) out.push(p);
    }
    return out;
  }
}
