// The committed console assets are what `npm run build:console` makes of the sources now.
import { readFileSync } from 'node:fs';
import { ASSETS_DIR, buildConsole } from './build.js';
import { loadConsoleAssets } from '../src/console-assets.js';

describe('the console assets', () => {
  it('are up to date with api-server/console/src (run npm run build:console)', async () => {
    const built = await buildConsole();
    expect(Object.keys(built).sort()).toEqual(['app.css', 'app.js', 'index.html']);
    for (const [name, text] of Object.entries(built)) expect({ name, same: readFileSync(`${ASSETS_DIR}${name}`, 'utf8') === text }).toEqual({ name, same: true });
  }, 30_000);

  it('bundle everything: the page loads no file from another origin', () => {
    const assets = loadConsoleAssets();
    expect([...assets.keys()].sort()).toEqual(['app.css', 'app.js', 'index.html']);
    const html = assets.get('index.html')!.body.toString();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(assets.get('app.css')!.body.toString()).not.toMatch(/@import|url\((["']?)(https?:)?\/\//);
  });
});
