import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../errors/index.js';
import { parseManifest } from './parse-manifest.js';
import type { ManifestProblem, ManifestProblemDetails } from './problems.js';

/** Parses `text`, expects an invalid_manifest error, and returns its problems. */
function problemsOf(text: string, file?: string): { error: BerthError; problems: readonly ManifestProblem[] } {
  try {
    parseManifest(text, file);
  } catch (error) {
    assert.ok(error instanceof BerthError, String(error));
    assert.equal(error.code, 'invalid_manifest');
    const details = error.details as unknown as ManifestProblemDetails;
    return { error, problems: details.problems };
  }
  assert.fail(`expected an invalid manifest:\n${text}`);
}

/** Expects exactly one problem, on `line`, at `key`, whose sentence matches `pattern`. */
function expectProblem(text: string, line: number, key: string, pattern: RegExp | string): void {
  const { error, problems } = problemsOf(text);
  assert.equal(problems.length, 1, problems.map((p) => p.message).join('\n'));
  const [problem] = problems as [ManifestProblem];
  assert.equal(problem.line, line, problem.message);
  assert.equal(problem.key, key, problem.message);
  assert.ok(problem.message.startsWith(`berth.toml:${line}: `), problem.message);
  if (typeof pattern === 'string') assert.ok(problem.message.includes(pattern), `${problem.message}\n  does not include\n${pattern}`);
  else assert.match(problem.message, pattern);
  assert.equal(error.message, problem.message);
}

const RUN = '[run]\ncommand = "node server.js"\n';

describe('parseManifest: malformed TOML', () => {
  it('reports the line smol-toml found, with its column', () => {
    expectProblem('name = "a"\n[run]\ncommand = "node server.js\n', 3, '', /^berth\.toml:3: not valid TOML \(column \d+\): /);
  });

  it('reports a key defined twice', () => {
    expectProblem('[run]\ncommand = "a"\ncommand = "b"\n', 3, '', 'not valid TOML');
  });

  it('reports a missing value', () => {
    expectProblem('[run]\ncommand =\n', 2, '', 'not valid TOML');
  });
});

describe('parseManifest: types and ranges', () => {
  it('refuses a string where an integer belongs', () => {
    expectProblem(`${RUN}port = "8080"\n`, 3, 'run.port', '[run] port: must be an integer from 1 to 65535, got a string ("8080")');
  });

  it('refuses a float where an integer belongs', () => {
    expectProblem(`${RUN}port = 80.0\n`, 3, 'run.port', 'got a float (80.0)');
  });

  it('refuses a port out of range', () => {
    expectProblem(`${RUN}port = 70000\n`, 3, 'run.port', 'must be an integer from 1 to 65535, got 70000');
  });

  it('refuses max below min, naming min', () => {
    expectProblem(`${RUN}\n[scale]\nmin = 1\nmax = 0\n`, 6, 'scale.max', 'berth.toml:6: [scale] max: must be an integer >= min (1), got 0');
  });

  it('refuses max = 0 when min is 0', () => {
    expectProblem(`${RUN}[scale]\nmin = 0\nmax = 0\n`, 5, 'scale.max', 'must be an integer >= 1, got 0');
  });

  it('refuses a negative min', () => {
    expectProblem(`${RUN}[scale]\nmin = -1\n`, 4, 'scale.min', 'must be an integer >= 0, got -1');
  });

  it('refuses a boolean written as a string', () => {
    expectProblem(`${RUN}[assets]\ndir = "dist"\nimmutable = "yes"\n`, 5, 'assets.immutable', 'must be true or false, got a string ("yes")');
  });

  it('refuses a table written as [[array]]', () => {
    expectProblem('[[run]]\ncommand = "x"\n', 1, 'run', 'write [run] once, not [[run]]');
  });

  it('refuses an array of tables written as [table]', () => {
    expectProblem(`${RUN}[routes]\npath = "/a"\n`, 3, 'routes', 'write [[routes]] before each entry');
  });
});

describe('parseManifest: unknown keys and tables', () => {
  it('suggests the known key within two edits', () => {
    expectProblem(`${RUN}prot = 8080\n`, 3, 'run.prot', '[run] prot: unknown key; did you mean port?');
  });

  it('suggests the known table', () => {
    expectProblem(`${RUN}[bulid]\ncommand = "make"\n`, 3, 'bulid', '[bulid]: unknown table; did you mean [build]?');
  });

  it('suggests [[routes]] for a misspelt array of tables', () => {
    expectProblem(`${RUN}[[route]]\npath = "/a"\nclass = "safe"\n`, 3, 'route', 'did you mean [[routes]]?');
  });

  it('lists the known keys when none is close', () => {
    expectProblem(`${RUN}[scale]\nreplicas = 3\n`, 4, 'scale.replicas', 'unknown key; [scale] takes min, max, sleep_after, wake_budget, region or labels');
  });
});

describe('parseManifest: durations and sizes', () => {
  it('refuses a duration with a spelled-out unit', () => {
    expectProblem(`[build]\ntimeout = "10 min"\n${RUN}`, 2, 'build.timeout', 'must be a duration like "30s", "15m" or "1h", or an integer of seconds, got "10 min"');
  });

  it('refuses a wake budget above 120s', () => {
    expectProblem(`${RUN}[scale]\nwake_budget = "5m"\n`, 4, 'scale.wake_budget', 'must be at most 120s, got "5m"');
  });

  it('refuses a zero sleep_after', () => {
    expectProblem(`${RUN}[scale]\nmin = 0\nsleep_after = 0\n`, 5, 'scale.sleep_after', 'must be longer than 0s');
  });

  it('refuses a size without a known unit', () => {
    expectProblem(`${RUN}memory = "512M"\n`, 3, 'run.memory', 'must be a size like "512MiB", "1GiB" or "100KB", or an integer of bytes, got "512M"');
  });

  it('refuses a zero output limit', () => {
    expectProblem(`[build]\noutput_limit = 0\n${RUN}`, 2, 'build.output_limit', 'must be more than 0B');
  });
});

describe('parseManifest: names, paths and folders', () => {
  it('refuses an app name that is not a DNS label', () => {
    expectProblem(`name = "My_App"\n${RUN}`, 1, 'name', 'got "My_App"');
  });

  it('refuses "--" in an app name', () => {
    expectProblem(`name = "my--app"\n${RUN}`, 1, 'name', 'must not contain "--"');
  });

  it('refuses path traversal in the assets dir', () => {
    expectProblem(`${RUN}[assets]\ndir = "dist/../../etc"\n`, 4, 'assets.dir', 'must stay inside the project (no "..")');
  });

  it('refuses an absolute assets dir', () => {
    expectProblem(`${RUN}[assets]\ndir = "/var/www"\n`, 4, 'assets.dir', 'must be relative to the project, not absolute');
  });

  it('refuses an absolute migrations folder', () => {
    expectProblem(`${RUN}[database]\nmigrations = "C:/db"\n`, 4, 'database.migrations', 'not absolute');
  });

  it('refuses an assets prefix that does not end with "/"', () => {
    expectProblem(`${RUN}[assets]\ndir = "dist"\nprefix = "/static"\n`, 5, 'assets.prefix', 'must start and end with "/"');
  });

  it('refuses a health path without a leading "/"', () => {
    expectProblem(`${RUN}health = "healthz"\n`, 3, 'run.health', 'must start with "/"');
  });

  it('refuses "*" before the last segment of a route path', () => {
    expectProblem(`${RUN}[[routes]]\npath = "/api/*/x"\nclass = "safe"\n`, 4, 'routes[0].path', '"*" is only allowed as the last segment');
  });
});

describe('parseManifest: secrets', () => {
  it('refuses a secret name that is not env-var style, with a suggestion', () => {
    expectProblem(`${RUN}[secrets]\nrequired = ["DATABASE_URL", "stripe-key"]\n`, 4, 'secrets.required[1]', 'got "stripe-key"; did you mean "STRIPE_KEY"?');
  });

  it('refuses a secret listed twice', () => {
    expectProblem(`${RUN}[secrets]\nrequired = ["A", "B", "A"]\n`, 4, 'secrets.required[2]', 'lists "A" twice');
  });

  it('refuses a webhook secret that is a value rather than a name', () => {
    expectProblem(`${RUN}[[webhooks]]\npath = "/h"\nprovider = "github"\nsecret = "whsec_123"\n`, 6, 'webhooks[0].secret', 'must be a secret name');
  });
});

describe('parseManifest: required keys', () => {
  it('requires [run] command when there is no [assets], at line 1', () => {
    expectProblem('name = "shop"\n[build]\ncommand = "make"\n', 1, 'run.command', '[run] command: required');
  });

  it('points a [run] without command at its header', () => {
    expectProblem('name = "shop"\n\n[run]\nport = 3000\n', 3, 'run.command', '[run] command: required');
  });

  it('requires state_schema and store for a resumable [live], at its header', () => {
    const { problems } = problemsOf(`${RUN}\n[live]\npath = "/ws"\nresumable = true\n`);
    assert.deepEqual(
      problems.map((p) => [p.line, p.key]),
      [[4, 'live.state_schema'], [4, 'live.store']],
    );
    assert.match(problems[0]?.message ?? '', /^berth\.toml:4: \[live\] state_schema: required; a resumable session/);
  });

  it('requires a class on each route', () => {
    expectProblem(`${RUN}[[routes]]\npath = "/a"\n`, 3, 'routes[0].class', '[[routes]] class: required');
  });
});

describe('parseManifest: routes and webhooks', () => {
  it('suggests the class a near miss meant', () => {
    expectProblem(`${RUN}[[routes]]\npath = "/a"\nclass = "sfae"\n`, 5, 'routes[0].class', 'must be "safe" or "unsafe", got "sfae"; did you mean "safe"?');
  });

  it('refuses lower-case methods, suggesting upper case', () => {
    expectProblem(`${RUN}[[routes]]\npath = "/a"\nmethods = ["GET", "post"]\nclass = "unsafe"\n`, 5, 'routes[0].methods[1]', 'did you mean "POST"?');
  });

  it('refuses an empty methods list', () => {
    expectProblem(`${RUN}[[routes]]\npath = "/a"\nmethods = []\nclass = "safe"\n`, 5, 'routes[0].methods', 'must name at least one method');
  });

  it('refuses idempotency = "required" on a safe route', () => {
    expectProblem(`${RUN}[[routes]]\npath = "/a"\nclass = "safe"\nidempotency = "required"\n`, 6, 'routes[0].idempotency', 'only applies to unsafe routes');
  });

  it('refuses two routes on one path with overlapping methods, naming the first', () => {
    const text = `${RUN}[[routes]]\npath = "/items/:id"\nmethods = ["GET", "PUT"]\nclass = "safe"\n[[routes]]\npath = "/items/:item"\nmethods = ["PUT"]\nclass = "unsafe"\n`;
    expectProblem(text, 8, 'routes[1].path', '"/items/:item" is already declared by the route on line 4 for PUT');
  });

  it('refuses a webhook on a route path', () => {
    const text = `${RUN}[[routes]]\npath = "/hooks"\nclass = "unsafe"\n[[webhooks]]\npath = "/hooks"\nprovider = "github"\nsecret = "GH"\n`;
    expectProblem(text, 7, 'webhooks[0].path', 'is also the path of the route on line 4');
  });

  it('refuses two webhooks on one path', () => {
    const hook = '[[webhooks]]\npath = "/h"\nprovider = "github"\nsecret = "GH"\n';
    expectProblem(`${RUN}${hook}${hook}`, 8, 'webhooks[1].path', 'is already the path of the webhook on line 4');
  });

  it('refuses tolerance on a github webhook', () => {
    expectProblem(`${RUN}[[webhooks]]\npath = "/h"\nprovider = "github"\nsecret = "GH"\ntolerance = "1m"\n`, 7, 'webhooks[0].tolerance', 'only applies to provider = "stripe"');
  });

  it('refuses header on a stripe webhook', () => {
    expectProblem(`${RUN}[[webhooks]]\npath = "/h"\nprovider = "stripe"\nsecret = "S"\nheader = "X-Sig"\n`, 7, 'webhooks[0].header', 'only applies to provider = "generic-hmac"');
  });

  it('refuses an unknown provider', () => {
    expectProblem(`${RUN}[[webhooks]]\npath = "/h"\nprovider = "gitlab"\nsecret = "S"\n`, 5, 'webhooks[0].provider', 'must be "stripe", "github" or "generic-hmac", got "gitlab"');
  });

  it('refuses a live path under the assets prefix', () => {
    expectProblem(`${RUN}[assets]\ndir = "dist"\n[live]\npath = "/assets/ws"\n`, 6, 'live.path', 'is under the assets prefix "/assets/"');
  });

  it('refuses routes in an assets-only app', () => {
    expectProblem('[assets]\ndir = "dist"\n[[routes]]\npath = "/a"\nclass = "safe"\n', 3, 'routes[0]', '[[routes]]: needs [run]');
  });
});

describe('parseManifest: several problems at once', () => {
  it('reports every problem in file order, the first in the message with a count', () => {
    const text = `name = "Shop"
[run]
command = "node server.js"
prot = 80
memory = "lots"
[scale]
min = 2
max = 1
[live]
path = "/ws"
resumable = true
state_schema = "v1"
`;
    const { error, problems } = problemsOf(text, 'apps/shop/berth.toml');
    assert.deepEqual(
      problems.map((p) => [p.line, p.key]),
      [[1, 'name'], [4, 'run.prot'], [5, 'run.memory'], [8, 'scale.max'], [9, 'live.store']],
    );
    assert.ok(problems.every((p) => p.message.startsWith(`apps/shop/berth.toml:${p.line}: `)));
    assert.equal(error.message, `${problems[0]?.message} (and 4 more)`);
    assert.deepEqual((error.details as { file: string }).file, 'apps/shop/berth.toml');
    assert.match(problems[3]?.message ?? '', /\[scale\] max: must be an integer >= min \(2\), got 1$/);
    assert.equal(error.status, 400);
  });
});

describe('parseManifest: placement', () => {
  it('refuses a label that is not key=value', () => {
    expectProblem(`${RUN}[scale]\nlabels = ["ssd"]\n`, 4, 'scale.labels[0]', 'must be written "key=value"');
  });

  it('refuses a region with capitals', () => {
    expectProblem(`${RUN}[scale]\nregion = "EU"\n`, 4, 'scale.region', 'lowercase');
  });

  it('reads region and labels', () => {
    const manifest = parseManifest(`${RUN}[scale]\nregion = "us-east"\nlabels = ["disk=ssd", "gpu=yes"]\n`);
    assert.equal(manifest.scale.region, 'us-east');
    assert.deepEqual(manifest.scale.labels, { disk: 'ssd', gpu: 'yes' });
  });
});
