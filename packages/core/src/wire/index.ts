/** Every wire type, one module per resource family. */
export type * from './common.js';
export type * from './users.js';
export type * from './invitations.js';
export type * from './messages.js';
export type * from './access.js';
export type * from './templates.js';
export type * from './organizations.js';
export type * from './clients.js';
export type * from './tokens.js';
