import { RegistryAdminError } from '@refity/registry-core';
import { Command } from 'commander';
import { Runner } from '../command-kit';
import { CliError, formatBytes, table } from '../io';

export function registerGroupCommands(program: Command, run: Runner): void {
  const groups = program.command('groups').description('groups (the first component of every repository name)');

  groups
    .command('list')
    .description('list groups with repository and tag counts and size')
    .action(
      run(async ({ ctx, print }) => {
        const list = (await (await ctx.catalog()).groupSummaries()).map((group) => ({
          name: group.name,
          repositories: group.repositoryCount,
          tags: group.tagCount,
          size: group.size,
          createdAt: group.createdAt.toISOString(),
        }));
        print(
          list,
          list.length === 0
            ? 'no groups yet: refity groups create <name>'
            : table(
                ['GROUP', 'REPOSITORIES', 'TAGS', 'SIZE'],
                list.map((group) => [group.name, group.repositories, group.tags, formatBytes(group.size)]),
              ),
        );
      }),
    );

  groups
    .command('create')
    .description('create a group, so pushes into it are accepted')
    .argument('<name>')
    .action(
      run(async ({ ctx, print }, name: string) => {
        try {
          const group = await (await ctx.admin()).createGroup(name);
          print({ name: group.name, createdAt: new Date(group.createdAt).toISOString() }, `created group ${group.name}`);
        } catch (error) {
          if (error instanceof RegistryAdminError) throw new CliError(error.message, error.kind === 'invalid' ? 2 : 1);
          throw error;
        }
      }),
    );
}
