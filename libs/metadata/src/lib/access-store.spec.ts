import { AccessStore } from './access-store';
import { AuditStore } from './audit-store';
import { openMetadataDatabase } from './data-source';
import { MetadataStore } from './metadata-store';
import { UserStore } from './user-store';
import { testDatabases } from '../test/test-databases';

const databases = testDatabases();
afterAll(() => Promise.all(databases.map(([, database]) => database.cleanup())));

describe.each(databases)('AccessStore and AuditStore on %s', (_name, database) => {
  let metadata: MetadataStore;
  let access: AccessStore;
  let users: UserStore;

  beforeEach(async () => {
    metadata = new MetadataStore(await openMetadataDatabase(await database.settings()));
    access = new AccessStore(metadata);
    users = new UserStore(metadata);
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
  });

  const user = async (username: string) => {
    const created = await users.create({ username, passwordHash: 'h', role: 'user', mustChangePassword: false });
    if (!created) throw new Error('not created');
    return created;
  };

  it('keeps one grant per subject and target: granting again replaces the action', async () => {
    const alice = await user('alice');
    const first = await access.setGrant({ userId: alice.id }, { scope: 'group', pattern: 'myteam', action: 'pull' }, 'admin');
    expect(first.previous).toBeNull();
    expect(first.grant).toMatchObject({ userId: alice.id, robotId: null, scope: 'group', pattern: 'myteam', action: 'pull', createdBy: 'admin' });
    const again = await access.setGrant({ userId: alice.id }, { scope: 'group', pattern: 'myteam', action: 'push' }, 'admin');
    expect(again).toMatchObject({ previous: 'pull', grant: { id: first.grant.id, action: 'push' } });
    await access.setGrant({ userId: alice.id }, { scope: 'repository', pattern: '*/base-*', action: 'pull' }, null);
    expect((await access.listGrants({ userId: alice.id })).map((grant) => `${grant.scope}:${grant.pattern}:${grant.action}`)).toEqual([
      'group:myteam:push',
      'repository:*/base-*:pull',
    ]);
    expect(await access.deleteGrant(first.grant.id)).toMatchObject({ pattern: 'myteam' });
    expect(await access.deleteGrant(first.grant.id)).toBeNull();
    // A deleted user takes its grants along (foreign key cascade).
    await users.delete(alice.id);
    expect(await access.listGrants()).toEqual([]);
  });

  it('creates robots with their grants, refuses a taken name, deletes them with their grants', async () => {
    const created = await access.createRobot({ name: 'ci', description: 'builds', secretHash: 'h', expiresAt: null, createdBy: 'admin' }, [
      { scope: 'group', pattern: 'myteam', action: 'push' },
    ]);
    expect(created?.robot).toMatchObject({ name: 'ci', disabled: false, lastUsedAt: null });
    expect(created?.grants).toHaveLength(1);
    expect(await access.createRobot({ name: 'ci', description: '', secretHash: 'h', expiresAt: null, createdBy: null }, [])).toBeNull();
    if (!created) throw new Error('robot not created');
    const robot = created.robot;
    // A user grant and a robot grant on the same target stay separate.
    const alice = await user('alice');
    await access.setGrant({ userId: alice.id }, { scope: 'group', pattern: 'myteam', action: 'pull' }, null);
    expect((await access.listGrants({ robotId: robot.id }))[0].action).toBe('push');
    await access.touchRobot(robot.id, new Date('2026-01-02T03:04:05Z'));
    expect((await access.findRobotByName('ci'))?.lastUsedAt?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(await access.updateRobot(robot.id, { disabled: true })).toMatchObject({ disabled: true });
    expect(await access.deleteRobot(robot.id)).toMatchObject({ name: 'ci' });
    expect(await access.listGrants()).toHaveLength(1);
    expect(await access.findRobot(robot.id)).toBeNull();
  });

  it('stores personal tokens, revokes them once, and lists public groups', async () => {
    const alice = await user('alice');
    const token = await access.createPersonalToken({ publicId: '0123456789abcdef', userId: alice.id, name: 'laptop', secretHash: 'h', expiresAt: null });
    expect(await access.findPersonalTokenByPublicId('0123456789abcdef')).toMatchObject({ id: token.id, revokedAt: null });
    const revoked = await access.revokePersonalToken(token.id, new Date('2026-02-03T00:00:00Z'));
    await access.revokePersonalToken(token.id, new Date('2027-01-01T00:00:00Z'));
    expect(revoked?.revokedAt?.toISOString()).toBe('2026-02-03T00:00:00.000Z');
    expect((await access.findPersonalToken(token.id))?.revokedAt?.toISOString()).toBe('2026-02-03T00:00:00.000Z');
    expect(await access.listPersonalTokens(alice.id)).toHaveLength(1);

    await metadata.ensureGroup('open');
    await metadata.ensureGroup('closed');
    expect(await access.setGroupPublic('open', true)).toMatchObject({ isPublic: true });
    expect(await access.setGroupPublic('nowhere', true)).toBeNull();
    expect(await access.publicGroupNames()).toEqual(['open']);
  });

  it('writes audit entries in batches and filters them by actor, action prefix, repository and time', async () => {
    const errors: unknown[] = [];
    const audit = new AuditStore(metadata, { flushDelayMs: 10_000, onError: (error) => errors.push(error) });
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 2, 3, minute, 0, 500));
    audit.record({ action: 'login.ok', actorType: 'user', actor: 'alice', clientAddress: '10.0.0.1', at: at(0) });
    audit.record({ action: 'login.failed', actorType: 'user', actor: 'mallory', clientAddress: '10.0.0.9', detail: { reason: 'password' }, at: at(1) });
    audit.record({ action: 'push', actorType: 'robot', actor: 'robot$ci', repository: 'myteam/app', tag: '1.0', digest: 'sha256:aa', at: at(2) });
    audit.record({ action: 'pull', actorType: 'anonymous', repository: 'public_x/app', at: at(3) });
    audit.record({ action: 'push', actorType: 'user', actor: 'alice', repository: 'other/app', at: at(4) });
    // Not written yet: the batch waits for its timer; a query flushes first.
    const [{ n }] = await metadata.dataSource.query('SELECT COUNT(*) AS n FROM "audit_log"');
    expect(Number(n)).toBe(0); // PostgreSQL's COUNT is a bigint, read as a string

    const all = await audit.query();
    expect(all.total).toBe(5);
    expect(all.items.map((item) => item.action)).toEqual(['push', 'pull', 'push', 'login.failed', 'login.ok']);
    expect(all.items[3]).toMatchObject({ actor: 'mallory', clientAddress: '10.0.0.9', detail: '{"reason":"password"}' });
    expect((await audit.query({ actor: 'alice' })).total).toBe(2);
    expect((await audit.query({ action: 'login.*' })).items.map((item) => item.action)).toEqual(['login.failed', 'login.ok']);
    // `_` is a literal in a prefix, not LIKE's any-character.
    expect((await audit.query({ repository: 'public_*' })).total).toBe(1);
    expect((await audit.query({ repository: 'public*' })).total).toBe(1);
    expect((await audit.query({ repository: 'publicX*' })).total).toBe(0);
    expect((await audit.query({ repository: 'myteam/app' })).items[0]).toMatchObject({ tag: '1.0', digest: 'sha256:aa', actorType: 'robot' });
    const window = await audit.query({ from: at(1), to: at(3) });
    expect(window.items.map((item) => item.createdAt.toISOString())).toEqual([at(3), at(2), at(1)].map((date) => date.toISOString()));
    const page = await audit.query({ offset: 1, limit: 2 });
    expect(page).toMatchObject({ total: 5 });
    expect(page.items.map((item) => item.repository)).toEqual(['public_x/app', 'myteam/app']);

    expect(await audit.purgeBefore(at(2))).toBe(2);
    expect((await audit.query()).total).toBe(3);
    expect(errors).toEqual([]);
  });

  it('writes a full batch at once, clips long values, and reports a failed write instead of throwing', async () => {
    const lost: number[] = [];
    const audit = new AuditStore(metadata, { flushDelayMs: 10_000, maxBatch: 3, onError: (_error, count) => lost.push(count) });
    for (let n = 0; n < 3; n++) audit.record({ action: 'pull', actorType: 'user', actor: 'x'.repeat(300), repository: `team/app${n}` });
    await audit.flush();
    const rows = await metadata.dataSource.query('SELECT "actor" FROM "audit_log"');
    expect(rows).toHaveLength(3);
    expect(rows[0].actor).toHaveLength(100);

    await metadata.dataSource.query('DROP TABLE "audit_log"');
    audit.record({ action: 'pull', actorType: 'anonymous' });
    await audit.close();
    expect(lost).toEqual([1]);
  });
});
