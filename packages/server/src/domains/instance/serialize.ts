/**
 * The instance's public signing keys → wire JSON: the key set session tokens are verified with.
 */
import type { JwkJSON, JwksJSON } from '@latch/core';

export function jwksJSON(keys: JwkJSON[]): JwksJSON {
  return { keys };
}
