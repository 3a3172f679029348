/**
 * zod schemas of the JSON every surface shares (deleted objects, counts, errors, the JWKS), registered by id
 * so the OpenAPI document references them. Each domain's own resources have theirs beside its serializer.
 * Tests also validate real responses against them, so the document cannot drift from the wire.
 */
import { z } from 'zod';
import { wireSchemas } from './router.js';

export const DeletedObjectSchema = z
  .object({ object: z.string(), id: z.string(), deleted: z.literal(true) })
  .strict()
  .register(wireSchemas, { id: 'DeletedObject' });

export const TotalCountSchema = z
  .object({ object: z.literal('total_count'), total_count: z.number().int() })
  .strict()
  .register(wireSchemas, { id: 'TotalCount' });

export const ClerkErrorsSchema = z
  .object({
    errors: z
      .array(
        z.object({
          code: z.string(),
          message: z.string(),
          long_message: z.string(),
          meta: z.object({ param_name: z.string().optional() }).catchall(z.unknown()).optional(),
        }),
      )
      .min(1),
    clerk_trace_id: z.string(),
  })
  .strict()
  .register(wireSchemas, { id: 'ClerkErrors' });

export const JwksSchema = z
  .object({
    keys: z.array(
      z.object({ kid: z.string(), kty: z.literal('RSA'), n: z.string(), e: z.string(), alg: z.literal('RS256'), use: z.literal('sig') }),
    ),
  })
  .register(wireSchemas, { id: 'JWKS' });

/** Standard error responses every authenticated route may give. */
export const ERROR_RESPONSES = {
  400: { description: 'Request was not valid', schema: ClerkErrorsSchema },
  401: { description: 'Missing, invalid or revoked secret key', schema: ClerkErrorsSchema },
  404: { description: 'Resource not found', schema: ClerkErrorsSchema },
  422: { description: 'Invalid request parameters', schema: ClerkErrorsSchema },
} as const;
