// Compiles kernels.as.ts (AssemblyScript) to kernels.wasm: `npm run build:wasm`.
// The .wasm is committed; test/deepar/kernels-wasm.test.ts rebuilds it with these exact flags into a
// temporary file (`node src/deepar/wasm/build.mjs --out <file>`) and checks the bytes are the same.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const here = dirname(fileURLToPath(import.meta.url));
const i = process.argv.indexOf('--out');
const out = i >= 0 ? process.argv[i + 1] : join(here, 'kernels.wasm');
export const FLAGS = [
  '-O3', '--converge', '--noAssert', '--runtime', 'stub', '--use', 'abort=',
  '--enable', 'simd', '--initialMemory', '1',
];
const { error, stderr } = await asc.main([join(here, 'kernels.as.ts'), ...FLAGS, '--outFile', out], {});
if (error) {
  process.stderr.write(stderr.toString());
  process.exit(1);
}
process.stdout.write(`wrote ${out}\n`);
