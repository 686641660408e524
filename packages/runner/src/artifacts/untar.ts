import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';

/**
 * Extracts a tarball with the system's GNU tar. `--no-same-owner` makes every file the runner's
 * own (an archive built elsewhere must not hand files to another uid), while the modes are kept
 * as the archive has them, so an executable stays executable. GNU tar also refuses member names
 * that climb out of the destination (`../`) and strips leading slashes, so an archive cannot
 * write outside `destDir`. It detects gzip by itself.
 */
export async function untar(file: string, destDir: string): Promise<void> {
  await mkdir(destDir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    const child = spawn('tar', ['-xf', file, '-C', destDir, '--no-same-owner'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`tar could not extract the artifact (exit ${code}): ${stderr.trim()}`));
    });
  });
}
