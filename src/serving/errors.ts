/**
 * A serving setup that cannot run: a model that does not fit, a request longer than a replica's KV cache, an
 * unknown scheduler or router. The message names the flag or field and what was expected; the CLI prints it as
 * one line.
 */
export class ServingError extends Error {
  override name = 'ServingError';
}
