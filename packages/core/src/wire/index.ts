/** Every wire type, one module per resource family. */
export type * from './common.js';
export type * from './users.js';
export type * from './clients.js';
