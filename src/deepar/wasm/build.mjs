// Compiles the AssemblyScript kernels to .wasm: `npm run build:wasm` builds both modules,
// kernels.as.ts → kernels.wasm (f64x2 products, bit-identical to the JS kernels) and lstm32.as.ts →
// lstm32.wasm (the fused f32x4 LSTM engine). The .wasm files are committed; the tests rebuild them with
// these exact flags into a temporary file (`node src/deepar/wasm/build.mjs [--module lstm32] --out <file>`)
// and check the bytes are the same.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
export const FLAGS = [
  '-O3', '--converge', '--noAssert', '--runtime', 'stub', '--use', 'abort=',
  '--enable', 'simd', '--initialMemory', '1',
];
const modules = arg('--module') ? [arg('--module')] : arg('--out') ? ['kernels'] : ['kernels', 'lstm32'];
for (const name of modules) {
  const out = arg('--out') ?? join(here, `${name}.wasm`);
  const { error, stderr } = await asc.main([join(here, `${name}.as.ts`), ...FLAGS, '--outFile', out], {});
  if (error) {
    process.stderr.write(stderr.toString());
    process.exit(1);
  }
  process.stdout.write(`wrote ${out}\n`);
}
