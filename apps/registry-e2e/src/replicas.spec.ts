/**
 * Two registry replicas sharing one PostgreSQL database (DATABASE_URL, throwaway server from
 * libs/testing) and one SFTP server, in synchronous upload mode as the README asks for several
 * replicas: started together, each serves what the other stored, and sees the other's deletes.
 */
import { join } from 'node:path';
import { PostgresServer, SshdServer, startPostgres, startSshd } from '@refity/testing';
import { Skopeo } from './support/clients';
import { expectOciError, MANIFEST_ACCEPT, RegistryHttp } from './support/http';
import { ImageInfo, readLayout, writeImage } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';
import { sftpEnv } from './support/sftp-storage';
import { removeDir, tempDir } from './support/tmp';

describe('registry replicas on PostgreSQL and SFTP', () => {
  let sshd: SshdServer;
  let postgres: PostgresServer;
  let replicas: RegistryHandle[] = [];
  let skopeo: Skopeo;
  let work: string;
  let image: ImageInfo;

  beforeAll(async () => {
    [sshd, postgres] = await Promise.all([startSshd(), startPostgres()]);
    const env = {
      AUTO_CREATE_GROUPS: 'true',
      REGISTRY_AUTH: 'none',
      ...sftpEnv(sshd),
      FTP_ROOT: 'store',
      SFTP_SYNC_UPLOAD: 'true',
      DATABASE_URL: await postgres.createDatabase(),
    };
    // Together, on a new database: the migrations must run once, not race.
    replicas = await Promise.all([startRegistry(env), startRegistry(env)]);
    skopeo = new Skopeo();
    work = await tempDir('replicas');
    image = await writeImage(join(work, 'src'), { tag: '1.0.0', layers: 2, layerSize: 512 * 1024, seed: 'replicas' });
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await sshd?.stop();
    await postgres?.stop();
    await removeDir(work);
  });

  it('pulls through one replica what was pushed through the other, digests unchanged', async () => {
    const [first, second] = replicas;
    await skopeo.copy(image.ref, `docker://${first.host}/myteam/app:1.0.0`);
    const out = join(work, 'pulled');
    await skopeo.copy(`docker://${second.host}/myteam/app:1.0.0`, `oci:${out}:pulled`);
    const pulled = await readLayout(out, 'pulled');
    expect(pulled.top).toEqual(image.top);
    expect([...pulled.digests].sort()).toEqual([...image.digests].sort());

    const http = new RegistryHttp(second.url);
    expect((await http.call('GET', '/v2/myteam/app/tags/list')).json()).toEqual({ name: 'myteam/app', tags: ['1.0.0'] });
    expect((await http.call('GET', '/v2/_catalog')).json<{ repositories: string[] }>().repositories).toContain('myteam/app');
  });

  it('answers MANIFEST_UNKNOWN on one replica for a tag deleted through the other', async () => {
    const [first, second] = replicas;
    await skopeo.copy(image.ref, `docker://${second.host}/myteam/app:gone`);
    const manifestOf = (replica: RegistryHandle) => new RegistryHttp(replica.url).call('GET', '/v2/myteam/app/manifests/gone', { headers: { Accept: MANIFEST_ACCEPT } });
    expect((await manifestOf(first)).status).toBe(200);
    expect((await new RegistryHttp(second.url).call('DELETE', '/v2/myteam/app/manifests/gone')).status).toBe(202);
    expectOciError(await manifestOf(first), 404, 'MANIFEST_UNKNOWN');
  });
});
