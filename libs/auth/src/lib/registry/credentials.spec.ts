import { AccessStore, MetadataStore, openMetadataDatabase, UserStore } from '@refity/metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../password-hasher';
import { generatePersonalToken, generateRobotSecret, PERSONAL_TOKEN_PATTERN, RegistryCredentials } from './credentials';
import { LoginLimiter } from './login-limiter';

describe('registry credentials (real SQLite)', () => {
  let dir: string;
  let metadata: MetadataStore;
  let users: UserStore;
  let access: AccessStore;
  let credentials: RegistryCredentials;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-credentials-'));
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
    users = new UserStore(metadata);
    access = new AccessStore(metadata);
    credentials = new RegistryCredentials(users, access);
    const passwordHash = await hashPassword('violet-harbour-42');
    await users.create({ username: 'alice', passwordHash, role: 'user', mustChangePassword: false });
    await users.create({ username: 'root', passwordHash, role: 'admin', mustChangePassword: false });
    await users.create({ username: 'fresh', passwordHash, role: 'user', mustChangePassword: true });
  });

  afterAll(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const userId = async (name: string) => (await users.findByUsername(name))?.id as number;

  it('accepts a user password (username case-insensitive) and says nothing about which part was wrong', async () => {
    const ok = await credentials.verify('Alice', 'violet-harbour-42');
    expect(ok).toEqual({ ok: true, principal: { kind: 'user', id: await userId('alice'), name: 'alice', admin: false, tokenVersion: 0 } });
    const wrong = await credentials.verify('alice', 'nope');
    const unknown = await credentials.verify('nobody', 'nope');
    expect(wrong).toMatchObject({ ok: false, problem: 'wrong-secret', guess: true, message: 'incorrect username or password' });
    expect(unknown).toMatchObject({ ok: false, problem: 'unknown', guess: true, message: 'incorrect username or password' });
    expect(await credentials.verify('root', 'violet-harbour-42')).toMatchObject({ ok: true, principal: { admin: true } });
  });

  it('refuses an account that must change its password, without counting it as a guess', async () => {
    expect(await credentials.verify('fresh', 'violet-harbour-42')).toMatchObject({ ok: false, problem: 'password-change-required', guess: false });
    expect(await credentials.verify('fresh', 'wrong')).toMatchObject({ ok: false, problem: 'wrong-secret' });
  });

  it('accepts a personal access token of that user only, until revoked or expired', async () => {
    const generated = await generatePersonalToken();
    expect(generated.secret).toMatch(PERSONAL_TOKEN_PATTERN);
    const token = await access.createPersonalToken({ publicId: generated.publicId, userId: await userId('alice'), name: 'ci', secretHash: generated.secretHash, expiresAt: null });
    const ok = await credentials.verify('alice', generated.secret);
    expect(ok).toMatchObject({ ok: true, principal: { name: 'alice', personalTokenId: token.id } });
    expect(await credentials.verify('root', generated.secret)).toMatchObject({ ok: false, problem: 'unknown' });
    const tampered = generated.secret.slice(0, -1) + (generated.secret.endsWith('A') ? 'B' : 'A');
    expect(await credentials.verify('alice', tampered)).toMatchObject({ ok: false, problem: 'wrong-secret' });

    if (!ok.ok) throw new Error('expected ok');
    expect(await credentials.revalidate(ok.principal)).toMatchObject({ ok: true });
    await access.revokePersonalToken(token.id);
    expect(await credentials.verify('alice', generated.secret)).toMatchObject({ ok: false, problem: 'revoked', guess: false });
    expect(await credentials.revalidate(ok.principal)).toMatchObject({ ok: false, problem: 'revoked' });

    const old = await generatePersonalToken();
    await access.createPersonalToken({ publicId: old.publicId, userId: await userId('alice'), name: 'old', secretHash: old.secretHash, expiresAt: new Date(Date.now() - 1000) });
    expect(await credentials.verify('alice', old.secret)).toMatchObject({ ok: false, problem: 'expired' });
  });

  it('accepts robots as robot$<name> until disabled or expired, and revalidates them', async () => {
    const generated = await generateRobotSecret();
    const created = await access.createRobot({ name: 'ci-builder', description: '', secretHash: generated.secretHash, expiresAt: null, createdBy: 'root' }, [
      { scope: 'group', pattern: 'myteam', action: 'push' },
    ]);
    const robotId = created?.robot.id as number;
    const ok = await credentials.verify('robot$ci-builder', generated.secret);
    expect(ok).toEqual({ ok: true, principal: { kind: 'robot', id: robotId, name: 'robot$ci-builder', admin: false } });
    expect(await credentials.verify('robot$ci-builder', 'guess')).toMatchObject({ ok: false, problem: 'wrong-secret' });
    expect(await credentials.verify('robot$Nope!', 'guess')).toMatchObject({ ok: false, problem: 'unknown' });
    if (!ok.ok) throw new Error('expected ok');
    expect((await credentials.policyFor(ok.principal)).actions('myteam/app')).toEqual(['pull', 'push']);

    await access.updateRobot(robotId, { disabled: true });
    expect(await credentials.verify('robot$ci-builder', generated.secret)).toMatchObject({ ok: false, problem: 'disabled' });
    expect(await credentials.revalidate(ok.principal)).toMatchObject({ ok: false, problem: 'disabled' });
    await access.updateRobot(robotId, { disabled: false, expiresAt: new Date(Date.now() - 1000) });
    expect(await credentials.revalidate(ok.principal)).toMatchObject({ ok: false, problem: 'expired' });
    await access.deleteRobot(robotId);
    expect(await credentials.revalidate(ok.principal)).toMatchObject({ ok: false, problem: 'unknown' });
  });

  it('revalidates users against their token version and state, and loads fresh policies', async () => {
    const ok = await credentials.verify('alice', 'violet-harbour-42');
    if (!ok.ok) throw new Error('expected ok');
    await access.setGrant({ userId: ok.principal.id as number }, { scope: 'repository', pattern: 'myteam/*', action: 'pull' }, 'root');
    expect((await credentials.policyFor(ok.principal)).actions('myteam/app')).toEqual(['pull']);
    await metadata.ensureGroup('open');
    await access.setGroupPublic('open', true);
    expect((await credentials.policyFor({ kind: 'anonymous', id: null, name: null, admin: false })).actions('open/x')).toEqual(['pull']);
    const root = await credentials.verify('root', 'violet-harbour-42');
    if (!root.ok) throw new Error('expected ok');
    expect((await credentials.policyFor(root.principal)).actions('secret/x')).toEqual(['pull', 'push', 'delete']);

    expect(await credentials.revalidate(ok.principal)).toMatchObject({ ok: true });
    await users.revokeTokens(ok.principal.id as number);
    expect(await credentials.revalidate(ok.principal)).toMatchObject({ ok: false, problem: 'revoked' });
    const again = await credentials.verify('alice', 'violet-harbour-42');
    if (!again.ok) throw new Error('expected ok');
    await users.update(again.principal.id as number, { disabled: true });
    expect(await credentials.verify('alice', 'violet-harbour-42')).toMatchObject({ ok: false, problem: 'disabled', guess: false });
  });
});

describe('login limiter', () => {
  it('refuses an account after perAccount failures, from any address, until the window ends', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter({ perAccount: 3, perAddress: 100, windowMs: 60_000 }, () => now);
    for (let n = 0; n < 3; n++) {
      expect(limiter.check('alice', `10.0.0.${n}`)).toEqual({ limited: false });
      limiter.fail('Alice', `10.0.0.${n}`);
    }
    expect(limiter.check('ALICE', '10.9.9.9')).toEqual({ limited: true, by: 'account', retryAfterSeconds: 60 });
    expect(limiter.check('bob', '10.9.9.9')).toEqual({ limited: false });
    now += 59_500;
    expect(limiter.check('alice', '10.9.9.9')).toMatchObject({ limited: true, retryAfterSeconds: 1 });
    now += 500;
    expect(limiter.check('alice', '10.9.9.9')).toEqual({ limited: false });
  });

  it('refuses an address after perAddress failures, whatever the account', () => {
    const limiter = new LoginLimiter({ perAccount: 100, perAddress: 2, windowMs: 60_000 });
    limiter.fail('a', '192.0.2.1');
    limiter.fail('b', '192.0.2.1');
    expect(limiter.check('c', '192.0.2.1')).toMatchObject({ limited: true, by: 'address' });
    expect(limiter.check('c', '192.0.2.2')).toEqual({ limited: false });
  });
});
