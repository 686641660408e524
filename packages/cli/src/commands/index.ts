import type { CommandSpec } from '../command.js';
import appsCreate from './apps/create.js';
import appsDelete from './apps/delete.js';
import appsList from './apps/list.js';
import appsShow from './apps/show.js';
import allocsList from './allocs/list.js';
import allocsShow from './allocs/show.js';
import deploy from './deploy/deploy.js';
import deployAbandon from './deploy/abandon.js';
import deployApprove from './deploy/approve.js';
import deployRetry from './deploy/retry.js';
import deployWatch from './deploy/watch.js';
import deploymentsList from './deployments/list.js';
import deploymentsShow from './deployments/show.js';
import hostsCordon from './hosts/cordon.js';
import hostsList from './hosts/list.js';
import hostsShow from './hosts/show.js';
import hostsUncordon from './hosts/uncordon.js';
import login from './login.js';
import logout from './logout.js';
import logs from './logs.js';
import opsList from './ops/list.js';
import opsShow from './ops/show.js';
import opsWatch from './ops/watch.js';
import orgsCreate from './orgs/create.js';
import scale from './scale.js';
import secretsList from './secrets/list.js';
import secretsSet from './secrets/set.js';
import secretsUnset from './secrets/unset.js';
import tokensCreate from './tokens/create.js';
import tokensList from './tokens/list.js';
import tokensRevoke from './tokens/revoke.js';
import up from './up.js';
import runner from './runner.js';
import runnersJoinToken from './runners/join-token.js';
import whoami from './whoami.js';
import edge from './edge.js';
import edgesList from './edges/list.js';
import edgesShow from './edges/show.js';
import envFreeze from './env/freeze.js';
import envSet from './env/set.js';
import envShow from './env/show.js';
import envUnfreeze from './env/unfreeze.js';
import promote from './promote/promote.js';
import promotionsApprove from './promote/approve.js';
import promotionsList from './promote/list.js';
import rollback from './promote/rollback.js';
import wakeStatus from './wake/status.js';

/** Every command, in the order `berth --help` lists them. */
export const commands: readonly CommandSpec<any, any, any>[] = [
  up,
  login,
  logout,
  whoami,
  appsCreate,
  appsList,
  appsShow,
  appsDelete,
  deploy,
  deployWatch,
  deployApprove,
  deployRetry,
  deployAbandon,
  deploymentsList,
  deploymentsShow,
  promote,
  rollback,
  promotionsList,
  promotionsApprove,
  envShow,
  envFreeze,
  envUnfreeze,
  envSet,
  wakeStatus,
  secretsSet,
  secretsUnset,
  secretsList,
  opsList,
  opsShow,
  opsWatch,
  hostsList,
  hostsShow,
  hostsCordon,
  hostsUncordon,
  allocsList,
  allocsShow,
  scale,
  logs,
  tokensCreate,
  tokensList,
  tokensRevoke,
  orgsCreate,
  runner,
  runnersJoinToken,
  edge,
  edgesList,
  edgesShow,
];
