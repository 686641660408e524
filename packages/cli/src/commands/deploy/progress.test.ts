import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordingScreen } from '../../output/screen.js';
import { createStyle } from '../../output/style.js';
import { formatElapsed, plainProgress, ttyProgress } from './progress.js';

describe('deploy progress', () => {
  test('elapsed times read as seconds with tenths, then minutes', () => {
    assert.equal(formatElapsed(3240), '3.2s');
    assert.equal(formatElapsed(12_900, true), '12s');
    assert.equal(formatElapsed(65_000), '1m 05s');
    assert.equal(formatElapsed(-5), '0.0s');
  });

  test('without a terminal: a line per state, build output as is, a state line never glued to output', () => {
    const screen = recordingScreen(false);
    const progress = plainProgress(screen);
    progress.state('queued', 0);
    progress.state('building', 3240);
    progress.log('$ make\ncompiling');
    progress.log(' 50%');
    progress.state('failed', 5000);
    progress.stop();
    assert.equal(screen.text, '→ queued (0.0s)\n→ building (3.2s)\n$ make\ncompiling 50%\n→ failed (5.0s)\n');
  });

  test('on a terminal: the live line is redrawn in place, with states and output lines printed above it', () => {
    const screen = recordingScreen(true);
    let now = 1_000;
    const progress = ttyProgress(screen, createStyle(false), { now: () => now, initialState: 'queued', frameMs: 60_000 });
    progress.startClock(1_000);
    now = 13_500;
    progress.state('building', 12_500);
    progress.log('step 1\nstep');
    progress.log(' 2\n');
    progress.stop();
    // What stays on screen once every "\r + clear line" has done its work.
    const visible = screen.text.split('\n').map((line) => line.split('\r\u001b[2K').at(-1)).join('\n');
    assert.equal(visible, '→ building (12.5s)\n│ step 1\n│ step 2\n');
    assert.match(screen.text, /⠋ queued {2}0s/);
    assert.match(screen.text, /building {2}12s/);
  });
});
