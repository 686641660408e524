import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { shortHash } from './outcome.js';
import { detachFlag, trackDeployment } from './track.js';
import { appFromManifest, deployGit, parseMaxSize, uploadFolder } from './source.js';

/**
 * `berth deploy [DIR]`: packs a folder (or names a git URL and ref), starts a deploy and follows it
 * to its preview URL. It stops itself on Ctrl-C (handlesSignals), to say that the deploy goes on
 * on the server and how to follow it again.
 */
export default defineCommand({
  path: ['deploy'],
  summary: 'Deploy a folder (or a git ref) to a preview URL and follow it live',
  args: {},
  optionalArgs: { dir: 'the folder to deploy, default the current one; write a folder named like a command (watch, retry) as ./watch' },
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app to deploy (default: `name` in DIR/berth.toml)' },
    env: { type: 'string', value: 'ENV', help: 'the environment whose secrets and policy apply (default: production)' },
    git: { type: 'string', value: 'URL', help: 'deploy this git repository instead of a folder (with --ref); the server clones it' },
    ref: { type: 'string', value: 'REF', help: 'the branch, tag or commit to deploy with --git' },
    'max-size': { type: 'string', value: 'SIZE', help: 'refuse a folder whose files add up to more than this (default: 256MiB)' },
    detach: detachFlag,
  },
  examples: [
    'berth deploy --app hello',
    'berth deploy ./site --app site --env staging',
    'berth deploy --app shop --git https://github.com/acme/shop.git --ref main',
    'berth deploy --app hello --json | jq -r .previewUrl',
    'id=$(berth deploy --app hello --detach) && berth deploy watch "$id"',
  ],
  handlesSignals: true,
  async run(ctx, { flags, args }) {
    if (flags.git !== undefined && flags.ref === undefined) throw usageError('--git needs --ref: the branch, tag or commit to deploy.', 'For example --git https://github.com/acme/shop.git --ref main.');
    if (flags.ref !== undefined && flags.git === undefined) throw usageError('--ref only goes with --git.', 'To deploy a folder, name it: `berth deploy ./site --app site`.');
    if (flags.git !== undefined && args.dir !== undefined) throw usageError('Give either a folder or --git, not both.', 'The server clones --git itself; nothing local is uploaded.');
    const maxBytes = parseMaxSize(flags['max-size']);
    const dir = args.dir ?? '.';
    let app = flags.app;
    if (app === undefined) {
      if (flags.git !== undefined) throw usageError('--app is required with --git.', 'Name the app to deploy to, e.g. --app shop.');
      const found = await appFromManifest(dir);
      if (found.problem) throw usageError(`No --app given, and ${dir}/berth.toml cannot be read for its name: ${found.problem}`, 'Fix berth.toml, or pass --app APP and the server will report every problem with its line.');
      if (!found.app) throw usageError('No --app given, and berth.toml names none.', 'Pass --app APP, or add `name = "APP"` at the top of berth.toml.');
      app = found.app;
    }
    const client = ctx.client();
    const environment = flags.env;
    const d =
      flags.git !== undefined
        ? await deployGit(client, { url: flags.git, ref: flags.ref!, app, ...(environment ? { environment } : {}) })
        : await uploadFolder(ctx, client, {
            dir, app, maxBytes, ...(environment ? { environment } : {}),
            // With --detach stdout carries the id alone, so progress goes to stderr; --json prints none.
            say: (text) => (ctx.json ? undefined : flags.detach ? ctx.out.note(text) : ctx.out.line(text)),
          });
    const what = d.source.kind === 'git' ? `${d.source.url} at ${d.source.ref}` : `upload ${shortHash(d.source.digest) ?? ''}`.trim();
    return trackDeployment(ctx, client, d, { detach: flags.detach === true, headline: `Deploying ${d.app} to ${d.environment} as ${d.id} (${what}).` });
  },
});
