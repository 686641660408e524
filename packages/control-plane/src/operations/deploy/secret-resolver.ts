import type { Db } from '../../store/db.js';
import { listSecrets, resolveSecrets, type SecretBox } from '../../secrets/index.js';
import type { SecretResolver } from './deploy-deps.js';

/** The deploy pipeline's view of an environment's secrets, backed by the encrypted store. */
export function storeSecretResolver(db: Db, box: SecretBox): SecretResolver {
  return {
    resolve: (environmentId, names) => resolveSecrets(db, box, environmentId, names),
    async allValues(environmentId) {
      const names = (await listSecrets(db, environmentId, undefined, 10_000)).map((s) => s.name);
      return Object.values((await resolveSecrets(db, box, environmentId, names)).values);
    },
  };
}
