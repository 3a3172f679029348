import { describe, expect, it } from 'vitest';
import type { FrontendUserJSON, UserCoreJSON, UserJSON } from '../index.js';

/**
 * The frontend types exist so that private data cannot reach a browser by accident. These checks run in
 * the type checker (`tsc -b` compiles the tests): each `@ts-expect-error` fails the build if the line below
 * it ever compiles.
 */
describe('frontend wire types', () => {
  it('reject a backend object and a private field', () => {
    const backend = { public_metadata: {}, private_metadata: { secret: 1 } } as unknown as UserJSON;
    const core = { public_metadata: {} } as UserCoreJSON;
    const fine: FrontendUserJSON = core;
    // @ts-expect-error a Backend API user carries private_metadata, which the frontend type forbids
    const leaked: FrontendUserJSON = backend;
    // @ts-expect-error private_metadata cannot be set on a frontend user
    const spelled: FrontendUserJSON = { ...core, private_metadata: {} };
    expect([fine, leaked, spelled].length).toBe(3);
  });
});
