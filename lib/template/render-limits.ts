/**
 * Budgets for one render. A render that would go over one throws a
 * TemplateBudgetError naming it; nothing is left half-done.
 */
export interface RenderLimits {
  /**
   * Most UTF-8 bytes the rendered text may have. Also caps any one string a
   * function builds on the way (`printf`, `print`, `slice`...).
   * @default 1048576 (1 MiB)
   */
  readonly maxOutputBytes?: number;
  /**
   * Most steps a render may take. A step is one node walked, one command, one
   * loop iteration, or one function call; a function also costs one step per
   * 64 characters of the strings it reads and builds, and a range over a map
   * one per key.
   * @default 1000000
   */
  readonly maxSteps?: number;
  /**
   * Deepest nesting of `if` / `with` / `range` / `define` / `block` bodies and
   * parenthesised pipelines (checked when parsing), and of those together with
   * `{{template}}` calls (checked when executing).
   * @default 100
   */
  readonly maxDepth?: number;
  /**
   * Most wall-clock milliseconds a render may take, parsing included; checked
   * every few hundred steps.
   * @default 1000
   */
  readonly timeoutMs?: number;
}

/** The budgets used where a call gives none: sized for agent prompts. */
export const DEFAULT_RENDER_LIMITS: Readonly<Required<RenderLimits>> = Object.freeze({
  maxOutputBytes: 1024 * 1024,
  maxSteps: 1_000_000,
  maxDepth: 100,
  timeoutMs: 1000,
});
