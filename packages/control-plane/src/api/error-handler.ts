import type { FastifyError, FastifyInstance } from 'fastify';
import { BerthError } from '@berth/core';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** Present because the validator runs verbose: the schema that refused, and the value. */
  parentSchema?: { description?: string };
  data?: unknown;
}

/** "name: must match pattern ..." or "unknown field "colour"", naming the field a person must fix. */
function describeIssue(issue: ValidationIssue, context: string): string {
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (issue.keyword === 'additionalProperties') {
    const field = [path, String(issue.params.additionalProperty)].filter(Boolean).join('.');
    return `unknown ${context === 'querystring' ? 'parameter' : 'field'} "${field}"`;
  }
  if (issue.keyword === 'required') {
    const field = [path, String(issue.params.missingProperty)].filter(Boolean).join('.');
    return `"${field}" is required`;
  }
  const got = issue.data === undefined ? '' : ` (got ${JSON.stringify(issue.data).slice(0, 60)})`;
  if (issue.keyword === 'pattern' && issue.parentSchema?.description) {
    return `"${path || context}" must be: ${issue.parentSchema.description.replace(/\.$/, '')}${got}`;
  }
  return `"${path || context}" ${issue.message ?? 'is not valid'}${got}`;
}

/** Turns any error into a BerthError: the one place where errors become HTTP. */
export function toBerthError(error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string }): BerthError {
  if (error instanceof BerthError) return error;
  if (error.validation) {
    const context = error.validationContext ?? 'body';
    const code = context === 'body' ? 'invalid_body' : context === 'params' ? 'invalid_id' : 'invalid_query';
    const problems = error.validation.map((issue) => describeIssue(issue, context));
    return new BerthError(code, `The request ${context === 'querystring' ? 'query' : context} is not valid: ${problems.join('; ')}.`, { details: { problems } });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BerthError('body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BerthError('unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BerthError('invalid_json', 'The request body is empty but Content-Type says JSON.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new BerthError('invalid_json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BerthError('invalid_body', 'The Content-Length does not match the body.');
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/.test(error.message))) return new BerthError('invalid_json');
  return new BerthError('internal', undefined, { cause: error });
}

export function installErrorHandler(app: FastifyInstance, log: (line: string) => void): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const berth = toBerthError(error);
    if (berth.status >= 500) {
      // The answer never carries internals; the log does, under the request id.
      log(`request ${request.id} ${request.method} ${request.url} failed: ${(berth.cause as Error | undefined)?.stack ?? berth.stack}`);
    }
    const message = berth.code === 'internal' ? `${berth.message} (request id ${request.id})` : berth.message;
    void reply.status(berth.status).send({ error: { code: berth.code, message, suggestion: berth.suggestion, ...(berth.details ? { details: berth.details } : {}) } });
  });
  app.setNotFoundHandler((request, reply) => {
    const berth = new BerthError('route_not_found', `There is no endpoint ${request.method} ${request.url.split('?')[0]}.`);
    void reply.status(404).send({ error: { code: berth.code, message: berth.message, suggestion: berth.suggestion } });
  });
}
