export { newId, isId, isName, namePattern, idPrefixes, type IdKind } from './ids.js';
