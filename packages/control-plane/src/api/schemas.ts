import { Type, type TSchema } from '@sinclair/typebox';
import { namePattern } from '@berth/core';

/** Schemas shared by the API's resources; each resource's own live in its file. */

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'A stable code from docs/errors.md.' }),
      message: Type.String({ description: 'What went wrong, for a person.' }),
      suggestion: Type.Optional(Type.String({ description: 'What to do next.' })),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'Error', description: 'Every error answer has this shape.' },
);

export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
} as const;

export const Name = Type.String({ pattern: namePattern, minLength: 1, maxLength: 40, description: 'Lowercase letters, digits and single hyphens; starts with a letter.' });

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });
}

export const Timestamp = Type.String({ format: 'date-time' });
