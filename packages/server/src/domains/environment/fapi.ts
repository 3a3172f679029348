/**
 * `GET /environment` (and `PATCH`, which development SDKs send instead): the instance's settings as the
 * browser SDK reads them.
 */
import { FapiResult, type FapiRouter } from '../../http/fapi/surface.js';

export function registerEnvironmentRoutes(router: FapiRouter, environment: () => Promise<Record<string, unknown>>): void {
  for (const method of ['get', 'patch'] as const) {
    router.add(
      {
        method,
        path: '/environment',
        operationId: method === 'get' ? 'getEnvironment' : 'updateEnvironment',
        summary: 'The instance environment',
        description:
          method === 'get'
            ? 'Which identifiers, factors and settings the prebuilt components should offer.'
            : 'Development SDKs ask with PATCH; the answer is the same environment (nothing is changed).',
        tags: ['Environment'],
        responses: { 200: { description: 'The environment' } },
      },
      async () => FapiResult.bare(await environment()),
    );
  }
}
