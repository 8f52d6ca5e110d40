import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { ModelHost, type HostedModel } from '../../../local/sagemaker/model-host';
import { packDirectory } from '../../../local/sagemaker/objects';
import type { DeepARPredictor } from '../../../src/deepar';
import { aTwinHome } from '../../builders/twin-home';

const MODEL: HostedModel = { name: 'Fee-Model', arn: 'arn:aws:sagemaker:local:000000000000:model/fee-model', modelDataUrl: 's3://mlops-local/models/fee/model.tar.gz', creationTime: 1_700_000_000_000 };

describe('Function: ModelHost', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  const workDir = join(home.dir, 'work');
  afterAll(() => home.dispose());

  beforeAll(async () => {
    const source = join(home.dir, 'source');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'model.json'), '{"version":1}');
    const tarball = store.pathOf(MODEL.modelDataUrl);
    mkdirSync(dirname(tarball), { recursive: true });
    await packDirectory(source, tarball);
  });

  it('unpacks a model once and loads it once, however many callers ask at once', async () => {
    // Prepare
    const loads: string[] = [];
    const host = new ModelHost({ objectStore: store, workDir }, (dir) => {
      loads.push(readFileSync(join(dir, 'model.json'), 'utf8'));
      return { dir } as unknown as DeepARPredictor;
    });

    // Act
    const [a, b] = await Promise.all([host.load(MODEL), host.load(MODEL)]);

    // Assess
    expect(a).toBe(b);
    expect(loads).toEqual(['{"version":1}']);
    expect((a as unknown as { dir: string }).dir).toBe(join(workDir, 'models', `fee-model-${MODEL.creationTime}`));
  });

  it('keeps no failed load: the next caller loads again', async () => {
    // Prepare
    let attempts = 0;
    const host = new ModelHost({ objectStore: store, workDir }, () => {
      attempts += 1;
      if (attempts === 1) throw new Error('out of memory');
      return {} as DeepARPredictor;
    });

    // Act
    const first = host.load(MODEL);
    await expect(first).rejects.toThrow('out of memory');
    const second = await host.load(MODEL);

    // Assess
    expect(second).toEqual({});
    expect(attempts).toBe(2);
  });

  it('reports a model.tar.gz that is not an archive as a ModelArtifactError naming the model', async () => {
    // Prepare
    const broken: HostedModel = { ...MODEL, name: 'broken', modelDataUrl: 's3://mlops-local/models/broken/model.tar.gz' };
    await store.put(broken.modelDataUrl, 'not a tarball');
    const host = new ModelHost({ objectStore: store, workDir }, () => ({}) as DeepARPredictor);

    // Act
    const load = host.load(broken);

    // Assess
    await expect(load).rejects.toMatchObject({ name: 'ModelArtifactError', message: expect.stringContaining('of model broken') });
  });
});
