import { openMetadataDatabase } from './data-source';
import { MetadataStore } from './metadata-store';
import { LastAdminError, UserStore } from './user-store';
import { testDatabases } from '../test/test-databases';

const databases = testDatabases();
afterAll(() => Promise.all(databases.map(([, database]) => database.cleanup())));

describe.each(databases)('UserStore on %s', (_name, database) => {
  let metadata: MetadataStore;
  let users: UserStore;
  const created = <T>(value: T | null): T => {
    if (value === null) throw new Error('expected a created account');
    return value;
  };

  beforeEach(async () => {
    metadata = new MetadataStore(await openMetadataDatabase(await database.settings()));
    users = new UserStore(metadata);
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
  });

  it('creates the first admin only while there is no account', async () => {
    const first = await users.createFirstAdmin({ username: 'admin', passwordHash: 'h', mustChangePassword: true });
    expect(first).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: true, tokenVersion: 0, disabled: false });
    expect(await users.createFirstAdmin({ username: 'other', passwordHash: 'h', mustChangePassword: false })).toBeNull();
    expect(await users.create({ username: 'admin', passwordHash: 'h', role: 'user', mustChangePassword: false })).toBeNull();
  });

  it('revokes tokens on logout, password, role and disable changes, but not on unrelated ones', async () => {
    await users.createFirstAdmin({ username: 'admin', passwordHash: 'h', mustChangePassword: false });
    const bob = created(await users.create({ username: 'bob', passwordHash: 'h', role: 'user', mustChangePassword: false }));
    await users.revokeTokens(bob.id);
    expect((await users.findById(bob.id))?.tokenVersion).toBe(1);
    expect((await users.update(bob.id, { passwordHash: 'h2' }))?.tokenVersion).toBe(2);
    expect((await users.update(bob.id, { role: 'user' }))?.tokenVersion).toBe(2);
    expect((await users.update(bob.id, { role: 'admin' }))?.tokenVersion).toBe(3);
    expect((await users.update(bob.id, { disabled: true }))?.tokenVersion).toBe(4);
    expect((await users.update(bob.id, { mustChangePassword: true }))?.tokenVersion).toBe(4);
    await users.recordLogin(bob.id);
    expect((await users.findById(bob.id))?.lastLoginAt).toBeInstanceOf(Date);
  });

  it('never leaves the registry without an enabled admin', async () => {
    const admin = created(await users.createFirstAdmin({ username: 'admin', passwordHash: 'h', mustChangePassword: false }));
    await expect(users.delete(admin.id)).rejects.toBeInstanceOf(LastAdminError);
    await expect(users.update(admin.id, { role: 'user' })).rejects.toBeInstanceOf(LastAdminError);
    await expect(users.update(admin.id, { disabled: true })).rejects.toBeInstanceOf(LastAdminError);
    const second = created(await users.create({ username: 'second', passwordHash: 'h', role: 'admin', mustChangePassword: false }));
    await users.update(second.id, { disabled: true });
    // A disabled admin does not count.
    await expect(users.delete(admin.id)).rejects.toBeInstanceOf(LastAdminError);
    await users.update(second.id, { disabled: false });
    expect(await users.delete(admin.id)).toBe(true);
    expect(await users.delete(admin.id)).toBe(false);
    expect((await users.list()).map((user) => user.username)).toEqual(['second']);
  });
});
