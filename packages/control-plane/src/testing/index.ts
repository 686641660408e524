export { openTestDb, openTestPGlite, openTestPostgres, postgresReachable, storeBackends, type Backend, type TestDb } from './test-db.js';
