// Run-time checks of prop names, for JavaScript callers and tsx (which does
// not type-check): a misspelt optional prop (`maxConcurency: 3`) would
// otherwise be ignored without a word. Each list is typed against its props
// interface, so adding a prop without listing it does not compile.
import type { Construct } from 'constructs';
import { didYouMean } from '../lib/api/suggest.js';
import { PropError } from './_util.js';

/** Every key of a props interface, optional ones included. */
export type KnownProps<P> = { readonly [K in keyof Required<P>]: true };

/**
 * Throws a PropError for the first key of `props` that `known` does not list,
 * with the prop it most likely meant, else the props there are.
 */
export function checkProps<P>(scope: Construct, what: string, props: P | undefined, known: KnownProps<P>, prefix = ''): void {
  if (props === undefined || props === null) return;
  if (typeof props !== 'object' || Array.isArray(props)) {
    throw new PropError(
      scope,
      prefix.replace(/\.$/, '') || 'props',
      `must be an object of props of ${what}, got ${Array.isArray(props) ? 'an array' : typeof props}`,
    );
  }
  const names = Object.keys(known);
  for (const key of Object.keys(props as object)) {
    if (Object.hasOwn(known, key)) continue;
    const hint = didYouMean(key, names);
    throw new PropError(
      scope,
      `${prefix}${key}`,
      hint ? `is not a prop of ${what}; did you mean '${prefix}${hint}'?` : `is not a prop of ${what}; its props are ${names.map((n) => `'${n}'`).join(', ')}`,
    );
  }
}
