export { openTestDb, openTestPGlite, openTestPostgres, postgresReachable, storeBackends, type Backend, type TestDb } from './test-db.js';
export { testPipelineMachine, testPipelineExecutor, createSideEffectsTable, sideEffects, type TestPipelineInput } from './test-pipeline.js';
export { startTestControlPlane, type TestControlPlane } from './test-control-plane.js';
export { testMigrationExecutor } from './test-migration-executor.js';
export { copyExample, deployFolder, examplesDir, waitForDeployment } from './deploy-helpers.js';
