import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId, isName } from '@berth/core';
import { appFromPath } from './app-routes.js';
import type { ApiDeps } from './context.js';
import { toBerthError } from './error-handler.js';
import { decodeCursor, page } from './pagination.js';
import { Page, PageQuery, Timestamp, errorResponses } from './schemas.js';
import { findEnvironment, type EnvironmentRecord } from '../apps/apps.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { checkSecretName, isSecretValue, maxSecretNameLength, maxSecretValueBytes, secretNamePattern, secretValueRule } from '../secrets/secret-rules.js';
import { applySecretChanges, listSecrets, setSecret, unsetSecret } from '../secrets/secrets-store.js';

const Secret = Type.Object(
  { name: Type.String(), createdAt: Timestamp, updatedAt: Timestamp, updatedBy: Type.String({ description: 'The API token that last set it.' }) },
  { $id: 'Secret', description: 'A secret\'s name and history. Its value is write-only: no answer ever contains it.' },
);
const SecretName = Type.String({ pattern: secretNamePattern, maxLength: maxSecretNameLength, description: 'Upper-case letters, digits and "_", not starting with a digit.' });
const SecretValue = Type.String({ maxLength: maxSecretValueBytes, description: `At most ${maxSecretValueBytes} bytes of UTF-8. Write-only.` });
const EnvParams = Type.Object({ app: Type.String({ maxLength: 64 }), env: Type.String({ maxLength: 64, description: 'The environment\'s name or id.' }) });
const SecretParams = Type.Object({ app: Type.String({ maxLength: 64 }), env: Type.String({ maxLength: 64 }), name: SecretName });
const PutBody = Type.Object({ value: SecretValue }, { additionalProperties: false });
const PatchBody = Type.Object(
  {
    set: Type.Optional(Type.Record(Type.String(), SecretValue, { maxProperties: 500, description: 'Secrets to create or replace, by name.' })),
    unset: Type.Optional(Type.Array(Type.String(), { maxItems: 500, description: 'Secrets to remove; a name that is not set is ignored.' })),
  },
  { additionalProperties: false },
);
const secretErrors = { ...errorResponses, 500: { $ref: 'Error#' } } as const;

/** The environment named in the path, of the caller's organization: another organization's app is 404. */
async function environmentFromPath(deps: ApiDeps, request: FastifyRequest): Promise<EnvironmentRecord & { appName: string }> {
  const app = await appFromPath(deps, request);
  const { env } = request.params as { env: string };
  if (!isId('environment', env) && !isName(env)) throw new BerthError('invalid_id', `"${env}" is neither an environment name nor an id (env_...).`);
  const environment = await findEnvironment(deps.db, app.id, env);
  if (!environment) throw new BerthError('not_found', `App "${app.name}" has no environment "${env}".`);
  return { ...environment, appName: app.name };
}

/**
 * These routes validate with `attachValidation`, for two reasons. The app lookup runs first, so
 * another organization gets 404 whatever it sends. And the refusal is built here rather than in
 * the shared error handler, which quotes the offending data: a refused body may hold a secret (a
 * value under a misspelt field, an object where a string was expected), so nothing of it is quoted.
 */
function refuseInvalid(request: FastifyRequest): void {
  const failed = request.validationError as unknown as { validation: Array<{ instancePath: string; data?: unknown }>; validationContext: string } | undefined;
  if (!failed) return;
  const onValue = failed.validation.find((issue) => issue.instancePath === '/value' || issue.instancePath.startsWith('/set/'));
  if (onValue) {
    const field = onValue.instancePath === '/value' ? 'value' : `set.${onValue.instancePath.slice('/set/'.length)}`;
    throw new BerthError('invalid_body', `The request body is not valid: ${field}: ${secretValueRule}.`);
  }
  const validation = failed.validation.map(({ data: _data, ...issue }) => issue);
  throw toBerthError(Object.assign(new Error('invalid request'), { validation, validationContext: failed.validationContext }) as unknown as FastifyError);
}

function refuseName(name: string, code: 'invalid_id' | 'invalid_body'): void {
  const problem = checkSecretName(name);
  if (problem) throw new BerthError(code, problem.endsWith('?') ? problem : `${problem}.`, { suggestion: 'Name secrets like environment variables, for example DATABASE_URL.' });
}

/**
 * The API's validator coerces scalars (12345 becomes "12345", ["x"] becomes "x"). A secret is
 * stored exactly as sent or refused, so before validation runs this notes the first value that is
 * not a string, by field; the handler refuses it once the app lookup has passed.
 */
const mistyped = new WeakMap<FastifyRequest, string>();
async function noteMistypedValue(request: FastifyRequest): Promise<void> {
  const body = request.body as { value?: unknown; set?: unknown } | null | undefined;
  if (typeof body !== 'object' || body === null) return;
  if ('value' in body && typeof body.value !== 'string') mistyped.set(request, 'value');
  if (typeof body.set !== 'object' || body.set === null) return;
  const bad = Object.entries(body.set).find(([, value]) => typeof value !== 'string');
  if (bad) mistyped.set(request, `set.${bad[0]}`);
}

function refuseMistyped(request: FastifyRequest): void {
  const field = mistyped.get(request);
  if (field) throw new BerthError('invalid_body', `The request body is not valid: ${field}: ${secretValueRule}.`);
}

function requireBox(deps: ApiDeps): SecretBox {
  if (deps.secrets) return deps.secrets;
  throw new BerthError('secrets_not_configured', 'Secrets are not configured on this control plane: it was started without a master key.', {
    suggestion: 'Start the control plane with BERTH_MASTER_KEY set, or with a writable data directory for <data dir>/master-key.',
  });
}

/**
 * Per-environment secrets, write-only: names and timestamps are listed, values are set and removed
 * but never returned. Opening a value is for the deploy gates and the runner (resolveSecrets), not
 * for any endpoint.
 */
export async function secretRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addSchema(Secret);
  const base = '/api/apps/:app/environments/:env/secrets';

  app.get(base, {
    attachValidation: true,
    schema: { tags: ['secrets'], summary: 'List an environment\'s secrets by name (never their values)', params: EnvParams, querystring: PageQuery, response: { 200: Page(Type.Ref(Secret)), ...secretErrors } },
  }, async (request) => {
    const environment = await environmentFromPath(deps, request);
    refuseInvalid(request);
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    return page(limit, (n) => listSecrets(deps.db, environment.id, decodeCursor(cursor), n), (s) => s.name);
  });

  app.put(`${base}/:name`, {
    attachValidation: true,
    preValidation: noteMistypedValue,
    schema: { tags: ['secrets'], summary: 'Set a secret (create or replace); the answer never contains the value', params: SecretParams, body: PutBody, response: { 200: Type.Ref(Secret), ...secretErrors } },
  }, async (request) => {
    const environment = await environmentFromPath(deps, request);
    const { name } = request.params as { name: string };
    refuseName(name, 'invalid_id');
    refuseInvalid(request);
    refuseMistyped(request);
    const box = requireBox(deps);
    const { value } = request.body as { value: unknown };
    if (!isSecretValue(value)) throw new BerthError('invalid_body', `The request body is not valid: value: ${secretValueRule}.`);
    return setSecret(deps.db, box, { environmentId: environment.id, name, value, actor: request.token.id, now: new Date(deps.clock.now()) });
  });

  app.patch(base, {
    attachValidation: true,
    preValidation: noteMistypedValue,
    schema: {
      tags: ['secrets'],
      summary: 'Set and unset several secrets in one transaction',
      description: 'All changes land together or none does. The answer lists the secrets set (without values) and the names removed.',
      params: EnvParams, body: PatchBody,
      response: { 200: Type.Object({ set: Type.Array(Type.Ref(Secret)), unset: Type.Array(Type.String()) }), ...secretErrors },
    },
  }, async (request) => {
    const environment = await environmentFromPath(deps, request);
    refuseInvalid(request);
    refuseMistyped(request);
    const box = requireBox(deps);
    const changes = request.body as { set?: Record<string, unknown>; unset?: string[] };
    for (const [name, value] of Object.entries(changes.set ?? {})) {
      refuseName(name, 'invalid_body');
      if (!isSecretValue(value)) throw new BerthError('invalid_body', `The request body is not valid: set.${name}: ${secretValueRule}.`);
    }
    for (const name of changes.unset ?? []) {
      refuseName(name, 'invalid_body');
      if (changes.set && Object.hasOwn(changes.set, name)) throw new BerthError('invalid_body', `"${name}" is both in set and in unset; send it in one of them.`);
    }
    return applySecretChanges(deps.db, box, environment.id, changes as { set?: Record<string, string>; unset?: string[] }, request.token.id, new Date(deps.clock.now()));
  });

  app.delete(`${base}/:name`, {
    attachValidation: true,
    schema: { tags: ['secrets'], summary: 'Remove a secret', params: SecretParams, response: { 204: Type.Null(), ...secretErrors } },
  }, async (request, reply) => {
    const environment = await environmentFromPath(deps, request);
    const { name } = request.params as { name: string };
    refuseName(name, 'invalid_id');
    refuseInvalid(request);
    if (!(await unsetSecret(deps.db, environment.id, name))) {
      throw new BerthError('not_found', `Environment "${environment.name}" of app "${environment.appName}" has no secret ${name}.`, { suggestion: `List its secrets with GET /api/apps/${environment.appName}/environments/${environment.name}/secrets.` });
    }
    return reply.status(204).send();
  });
}
