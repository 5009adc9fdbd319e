/**
 * Input errors: a file or argument that cannot be used. The message names the file (or flag), the field and what
 * was expected; the CLI prints it as one line and exits non-zero.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/** A JSON value's kind for messages: "a string", "an array", … */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}
