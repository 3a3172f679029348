/**
 * Wire types shared by every resource. Snake_case as on the wire; timestamps are integer milliseconds
 * since the epoch.
 *
 * Each resource that carries private data has three types: a `…CoreJSON` with what both APIs show, the
 * backend type (the Backend API: core plus private fields), and the frontend type (the Frontend API: core,
 * with every private field typed `never`, so handing a backend object to a frontend response does not
 * compile).
 */

export type Metadata = Record<string, unknown>;

export interface DeletedObjectJSON {
  object: string;
  id: string;
  deleted: true;
}

export interface TotalCountJSON {
  object: 'total_count';
  total_count: number;
}

export interface JwkJSON {
  kid: string;
  kty: 'RSA';
  n: string;
  e: string;
  alg: 'RS256';
  use: 'sig';
}

export interface JwksJSON {
  keys: JwkJSON[];
}

/** A page of a list with the total count of matching items (lists asked for with `paginated=true`). */
export interface PaginatedJSON<T> {
  data: T[];
  total_count: number;
}
