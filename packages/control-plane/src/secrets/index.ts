export { loadMasterKey, parseMasterKey, masterKeyBytes, type MasterKey } from './master-key.js';
export { createSecretBox, secretAad, type SecretBox } from './secret-box.js';
export { checkMasterKey } from './key-check.js';
export { checkSecretName, isSecretValue, maxSecretNameLength, maxSecretValueBytes, secretNamePattern } from './secret-rules.js';
export { applySecretChanges, listSecrets, resolveSecrets, setSecret, unsetSecret, byteaToBuffer, type SecretChanges, type SecretRecord } from './secrets-store.js';
