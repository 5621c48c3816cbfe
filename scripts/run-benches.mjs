// `npm run bench`: runs every `bench:*` script of the root package.json in turn. Each prints one
// JSON object per case on its own line; this only sequences them and reports failures.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const benches = Object.keys(pkg.scripts).filter((s) => s.startsWith('bench:'));
let failed = 0;
for (const name of benches) {
  console.error(`== npm run ${name}`);
  const r = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
