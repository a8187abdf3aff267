/**
 * Online garbage collection, black box: the built registry, skopeo pushes and the built CLI
 * (`refity gc`, `refity verify`) on the registry's DATA_DIR. Images share layers; tags are deleted;
 * GC runs again and again while pushes that reuse the garbage layers go on. Afterwards every tag
 * still pulls byte for byte, verify passes, and the deleted images' space is gone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run, RunResult, Skopeo } from './support/clients';
import { ImageInfo, readLayout, writeImage } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';
import { removeDir, tempDir, workspaceRoot } from './support/tmp';

const SEED = 'gc-shared';
const ROUNDS = 8;

describe('garbage collection while pushes go on (registry + refity CLI + skopeo)', () => {
  let reg: RegistryHandle;
  let skopeo: Skopeo;
  let work: string;
  const cliMain = join(workspaceRoot(), 'dist', 'apps', 'cli', 'main.js');

  const cli = (args: string[]): Promise<RunResult> =>
    run(process.execPath, [cliMain, ...args], { env: { ...process.env, ...reg.env, DATA_DIR: reg.dataDir, NODE_ENV: 'development' }, allowFailure: true });

  /** Same seed: the first layers are shared; the config (with the tag in its labels) differs. */
  const image = (tag: string, layers: number) => writeImage(join(work, tag), { tag, layers, layerSize: 256 * 1024, seed: SEED });

  const blobFile = (digest: string) => join(reg.dataDir, 'storage', 'registry', 'team', 'app', 'blobs', digest);

  /** A push refused because GC swept a blob it counted on is retried, as a client would. */
  async function push(info: ImageInfo, tag: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const result = await skopeo.copy(info.ref, `docker://${reg.host}/team/app:${tag}`, [], { allowFailure: true });
      if (result.code === 0) return attempt;
      if (attempt === 3 || !/blob unknown|MANIFEST_BLOB_UNKNOWN|manifest blob unknown/i.test(result.stderr)) {
        throw new Error(`push of team/app:${tag} failed (attempt ${attempt}):\n${result.stderr.slice(-2000)}`);
      }
    }
  }

  beforeAll(async () => {
    if (!existsSync(cliMain)) throw new Error(`${cliMain} does not exist: build the CLI first (npx nx build cli)`);
    skopeo = new Skopeo();
    reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none' });
    work = await tempDir('gc');
  });

  afterAll(async () => {
    await reg?.stop();
    await removeDir(work);
  });

  it('reclaims deleted images, never breaks a concurrent push, and verify passes', async () => {
    const keep = await image('keep', 2);
    const doomed = await image('doomed', 3);
    await push(keep, 'keep');
    await push(doomed, 'doomed');
    const sharedLayers = keep.images[0].layers.map((layer) => layer.digest);
    const doomedLayer = doomed.images[0].layers[2].digest;
    expect(doomed.images[0].layers.slice(0, 2).map((layer) => layer.digest)).toEqual(sharedLayers);
    await skopeo.delete(`docker://${reg.host}/team/app:doomed`);
    // an image sharing nothing: all of it is garbage once its tag is gone
    const lonely = await writeImage(join(work, 'lonely'), { tag: 'lonely', layers: 2, layerSize: 512 * 1024, seed: 'gc-lonely' });
    await push(lonely, 'lonely');
    await skopeo.delete(`docker://${reg.host}/team/app:lonely`);
    const lonelyBytes = lonely.images[0].layers.reduce((sum, layer) => sum + layer.size, 0);

    const expected = new Map<string, ImageInfo>([['keep', keep]]);
    let reclaimed = 0;
    let retries = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // a new image that reuses the garbage layer of "doomed", pushed while GC sweeps
      const tag = `r${round}`;
      const info = await image(tag, 3);
      expect(info.images[0].layers[2].digest).toBe(doomedLayer);
      const [attempts, gc] = await Promise.all([push(info, tag), cli(['gc', '--grace-minutes', '0', '--delete-untagged', '--json'])]);
      retries += attempts - 1;
      expect(gc.code).toBe(0);
      reclaimed += (JSON.parse(gc.stdout) as { gc: { reclaimedBytes: number } }).gc.reclaimedBytes;
      if (round % 2 === 1) await skopeo.delete(`docker://${reg.host}/team/app:${tag}`);
      else expected.set(tag, info);
    }
    const last = await cli(['gc', '--grace-minutes', '0', '--delete-untagged', '--json']);
    reclaimed += (JSON.parse(last.stdout) as { gc: { reclaimedBytes: number } }).gc.reclaimedBytes;

    // every remaining tag pulls with every digest intact
    expect((await skopeo.listTags(`docker://${reg.host}/team/app`)).Tags.sort()).toEqual([...expected.keys()].sort());
    for (const [tag, info] of expected) {
      const out = join(work, `pull-${tag}`);
      await skopeo.copy(`docker://${reg.host}/team/app:${tag}`, `oci:${out}:pulled`);
      const got = await readLayout(out, 'pulled');
      expect(got.top).toEqual(info.top);
      expect([...got.digests].sort()).toEqual([...info.digests].sort());
    }
    const verify = await cli(['verify', '--json']);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [] });
    expect(verify.code).toBe(0);

    // space was reclaimed: the deleted images' own configs are gone, shared layers stay
    expect(reclaimed).toBeGreaterThan(lonelyBytes);
    for (const layer of lonely.images[0].layers) expect(existsSync(blobFile(layer.digest))).toBe(false);
    expect(existsSync(blobFile(doomed.images[0].config.digest))).toBe(false);
    for (const digest of [...sharedLayers, doomedLayer]) expect(existsSync(blobFile(digest))).toBe(true);
    process.stderr.write(`gc e2e: ${ROUNDS} rounds, ${reclaimed} bytes reclaimed, ${retries} pushes retried after a sweep\n`);
  });
});
