// The benchmarks `npm run bench` knows, by the name given on its command line. Adding one is a
// file in this folder exporting a Scenario (see lib/scenario.mjs) and a line here.
import { hotPath } from './hot-path.mjs';
import { routeTable } from './route-table.mjs';
import { assets } from './assets.mjs';
import { propagation } from './propagation.mjs';
import { wakeToFirstByte } from './wake.mjs';
import { stampede } from './stampede.mjs';
import { wakeBudget } from './wake-budget.mjs';
import { webhooks } from './webhooks.mjs';

export const scenarios = {
  'hot-path': { scenario: hotPath, defaults: { durationS: 5 } },
  'route-table': { scenario: routeTable, defaults: { durationS: 8 } },
  // For the benchmarks below --duration is: seconds of load (assets), seconds of promotions at
  // 10 per second (propagation), wakes per round (wake); the others do not use it.
  assets: { scenario: assets, defaults: { durationS: 5 } },
  propagation: { scenario: propagation, defaults: { durationS: 10 } },
  wake: { scenario: wakeToFirstByte, defaults: { durationS: 20 } },
  stampede: { scenario: stampede, defaults: { durationS: 1 } },
  'wake-budget': { scenario: wakeBudget, defaults: { durationS: 1 } },
  webhooks: { scenario: webhooks, defaults: { durationS: 1 } },
};
