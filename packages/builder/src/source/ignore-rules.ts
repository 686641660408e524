import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** One ignore file: its text, the folder it applies from ('' for the root), and its compiled rules. */
interface RuleLayer {
  base: string;
  text: string;
  rules: Ignore;
  /** Rules with some folders forced back in, built on demand; see `verdict`. */
  reopened: Map<string, Ignore>;
}

/**
 * The ignore rules in force in one folder of the walk, with git's meaning: every `.gitignore` on
 * the way down adds a layer whose patterns are relative to its own folder, and a deeper layer
 * overrides a shallower one. The root `.berthignore` is applied last, over every `.gitignore`,
 * because it is the project's statement about what to deploy: `!dist/` in it brings back a build
 * output that git ignores.
 */
export class IgnoreRules {
  private readonly layers: readonly RuleLayer[];

  private constructor(
    private readonly gitignores: readonly RuleLayer[],
    private readonly berthignore: RuleLayer | null,
  ) {
    this.layers = berthignore === null ? gitignores : [...gitignores, berthignore];
  }

  /** The rules for the root folder: its `.gitignore` and the project's `.berthignore`. */
  static async forRoot(root: string): Promise<IgnoreRules> {
    const gitignore = await readLayer(root, '', '.gitignore');
    return new IgnoreRules(gitignore === null ? [] : [gitignore], await readLayer(root, '', '.berthignore'));
  }

  /** The rules for a subfolder: these plus the subfolder's own `.gitignore`, if it has one. */
  async forFolder(root: string, folder: string): Promise<IgnoreRules> {
    const layer = await readLayer(root, folder, '.gitignore');
    return layer === null ? this : new IgnoreRules([...this.gitignores, layer], this.berthignore);
  }

  /**
   * Whether a root-relative path is ignored. The last layer with an opinion wins, as in git: a
   * layer may ignore the path or re-include it with `!`; a layer whose patterns do not mention it
   * leaves the earlier verdict standing. Folders are tested with a trailing slash so that patterns
   * such as `build/` match only folders.
   */
  ignores(path: string, isFolder: boolean): boolean {
    let ignored = false;
    for (const layer of this.layers) {
      const verdict = this.verdict(layer, layer.base === '' ? path : path.slice(layer.base.length + 1), isFolder);
      if (verdict.ignored) ignored = true;
      else if (verdict.unignored) ignored = false;
    }
    return ignored;
  }

  /**
   * One layer's opinion of a path. The `ignore` package answers "ignored" for anything inside a
   * folder its rules exclude. The walk only gets here when a later layer re-included that folder,
   * so the layer must be asked about the path itself: its rules are compiled again with the path's
   * folders forced back in (`!/a/`, `!/a/b/`), which leaves only the rules that match the path.
   */
  private verdict(layer: RuleLayer, relative: string, isFolder: boolean): ignore.TestResult {
    const tested = isFolder ? `${relative}/` : relative;
    const parent = posix.dirname(relative);
    if (parent === '.' || !layer.rules.test(`${parent}/`).ignored) return layer.rules.test(tested);
    let reopened = layer.reopened.get(parent);
    if (reopened === undefined) {
      const segments = parent.split('/');
      const folders = segments.map((_, i) => `!/${segments.slice(0, i + 1).map(escapePattern).join('/')}/`);
      reopened = ignore().add(layer.text).add(folders);
      layer.reopened.set(parent, reopened);
    }
    return reopened.test(tested);
  }
}

async function readLayer(root: string, base: string, name: string): Promise<RuleLayer | null> {
  try {
    const text = await readFile(join(root, base, name), 'utf8');
    return { base, text, rules: ignore().add(text), reopened: new Map() };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return null;
    throw error;
  }
}

// A folder name becomes a pattern, so the characters that mean something in a pattern are escaped.
function escapePattern(name: string): string {
  return name.replace(/[\\*?[\]! #]/g, (char) => `\\${char}`);
}
