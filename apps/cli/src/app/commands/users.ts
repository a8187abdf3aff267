import { hashPassword, passwordProblems } from '@refity/auth';
import { UserEntity } from '@refity/metadata';
import { Command, Option } from 'commander';
import { Runner } from '../command-kit';
import { CliError, CliIo, promptHidden, readFirstLine, table } from '../io';

/** The admin API's rule (apps/admin-api user.dto.ts): the CLI creates the same accounts. */
const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

function userView(user: UserEntity) {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    mustChangePassword: user.mustChangePassword,
    lastLoginAt: user.lastLoginAt ? new Date(user.lastLoginAt).toISOString() : null,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

/** The new password: from stdin with --password-stdin, else asked twice on the terminal. */
async function newPassword(io: CliIo, username: string, fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = await readFirstLine(io);
  } else {
    password = await promptHidden(io, `password for ${username}: `);
    if ((await promptHidden(io, 'again: ')) !== password) throw new CliError('the two passwords differ', 2);
  }
  const problems = passwordProblems(password, username);
  if (problems.length > 0) throw new CliError(`password refused: ${problems.join('; ')}`, 2);
  return password;
}

export function registerUserCommands(program: Command, run: Runner): void {
  const users = program.command('users').description('admin API / console accounts');

  users
    .command('create')
    .description('create an account (the password is asked on the terminal, or read from stdin)')
    .argument('<username>')
    .addOption(new Option('--role <role>', 'admin or user').choices(['admin', 'user']).default('user'))
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--must-change-password', 'make the user choose a new password at first login')
    .action(
      run(async ({ ctx, io, print }, username: string, options: { role: 'admin' | 'user'; passwordStdin?: boolean; mustChangePassword?: boolean }) => {
        username = username.trim().toLowerCase();
        if (!USERNAME_PATTERN.test(username)) {
          throw new CliError('username must be 2-64 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit', 2);
        }
        const store = await ctx.users();
        if (await store.findByUsername(username)) throw new CliError(`user ${username} already exists`);
        const password = await newPassword(io, username, options.passwordStdin ?? false);
        const created = await store.create({
          username,
          passwordHash: await hashPassword(password),
          role: options.role,
          mustChangePassword: options.mustChangePassword ?? false,
        });
        if (!created) throw new CliError(`user ${username} already exists`);
        print(userView(created), `created ${created.role} ${created.username}`);
      }),
    );

  users
    .command('list')
    .description('list accounts')
    .action(
      run(async ({ ctx, print }) => {
        const list = (await (await ctx.users()).list()).map(userView);
        print(
          list,
          list.length === 0
            ? 'no accounts (the admin API creates "admin" at its first start)'
            : table(
                ['USERNAME', 'ROLE', 'STATE', 'LAST LOGIN'],
                list.map((user) => [user.username, user.role, user.disabled ? 'disabled' : user.mustChangePassword ? 'must change password' : 'active', user.lastLoginAt ?? '-']),
              ),
        );
      }),
    );

  users
    .command('reset-password')
    .description("set a new password (revokes the account's tokens)")
    .argument('<username>')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--must-change-password', 'make the user choose a new password at next login')
    .action(
      run(async ({ ctx, io, print }, username: string, options: { passwordStdin?: boolean; mustChangePassword?: boolean }) => {
        const store = await ctx.users();
        const user = await store.findByUsername(username.trim().toLowerCase());
        if (!user) throw new CliError(`user ${username} does not exist`);
        const password = await newPassword(io, username, options.passwordStdin ?? false);
        const updated = await store.update(user.id, { passwordHash: await hashPassword(password), mustChangePassword: options.mustChangePassword ?? false });
        if (!updated) throw new CliError(`user ${username} does not exist`);
        print(userView(updated), `password of ${username} changed; earlier tokens are revoked`);
      }),
    );
}
