import { RetentionPolicy } from '@refity/metadata';
import { MaintenanceReport, Reindexer, RetentionPolicyError, RetentionReport, Verifier } from '@refity/registry-core';
import { Command } from 'commander';
import { positiveNumber, Runner, wholeNumber } from '../command-kit';
import { CliError, formatBytes, Progress, table } from '../io';

function retentionLines(report: RetentionReport): string[] {
  const verb = report.dryRun ? 'would delete' : 'deleted';
  if (report.policies === 0) return ['retention: no policies (refity retention set …)'];
  return [
    `retention: ${report.policies} policies, ${report.repositories.length} repositories: ${verb} ${report.deletedTags.length} tags and ${report.deletedManifests.length} manifests`,
    ...report.deletedTags.map((entry) => `  tag       ${entry.repository}:${entry.tag} (${entry.digest})`),
    ...report.deletedManifests.map((entry) => `  manifest  ${entry.repository}@${entry.digest}`),
  ];
}

function gcLines(report: MaintenanceReport): string[] {
  const gc = report.gc;
  const verb = report.dryRun ? 'would delete' : 'deleted';
  return [
    ...(report.retention ? retentionLines(report.retention) : []),
    `gc: ${gc.repositories} repositories: ${verb} ${gc.deletedManifests.length} untagged manifests and ${gc.deletedBlobs.length} blobs, ` +
      `${report.dryRun ? 'would reclaim' : 'reclaimed'} ${formatBytes(gc.reclaimedBytes)}; ${gc.purgedUploads.length} stale uploads ${report.dryRun ? 'to purge' : 'purged'}` +
      `, ${gc.removedTemporaryFiles.length} leftover temporary files ${report.dryRun ? 'to remove' : 'removed'}`,
    ...gc.deletedManifests.map((entry) => `  manifest  ${entry.repository}@${entry.digest}`),
    ...gc.deletedBlobs.map((entry) => `  blob      ${entry.repository}@${entry.digest} (${formatBytes(entry.size)})`),
    ...gc.purgedUploads.map((id) => `  upload    ${id}`),
    ...gc.removedTemporaryFiles.map((path) => `  temporary ${path}`),
    `took ${(report.durationMs / 1000).toFixed(1)} s${report.dryRun ? ' (dry run: nothing was deleted)' : ''}`,
  ];
}

function policyView(policy: RetentionPolicy) {
  return {
    target: policy.target,
    keepLast: policy.keepLast,
    keepDays: policy.keepDays,
    protectedTags: policy.protectedTags,
    updatedAt: new Date(policy.updatedAt).toISOString(),
  };
}

interface GcFlags {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  graceMinutes?: number;
  purgeUploadsHours?: number;
  group?: string;
  retention?: boolean;
}

export function registerMaintenanceCommands(program: Command, run: Runner): void {
  program
    .command('gc')
    .description('garbage collection: apply retention policies, then delete unreferenced blobs (online: pushes may go on)')
    .option('--dry-run', 'report what would be deleted; delete nothing')
    .option('--delete-untagged', 'also delete manifests no tag reaches (default GC_DELETE_UNTAGGED)')
    .option('--grace-minutes <n>', 'never delete anything younger (default GC_GRACE_MINUTES, 60)', wholeNumber)
    .option('--purge-uploads-hours <n>', 'purge upload sessions idle for longer (default GC_PURGE_UPLOADS_HOURS, 24; 0 = never)', positiveNumber)
    .option('--group <group>', 'only this group')
    .option('--no-retention', 'do not apply retention policies')
    .action(
      run(async ({ ctx, io, print }, flags: GcFlags) => {
        const defaults = ctx.config.gc;
        const maintenance = await ctx.maintenance();
        const progress = { retention: new Progress(io, 'retention'), gc: new Progress(io, 'gc') };
        const purgeHours = flags.purgeUploadsHours;
        const report = await maintenance.run({
          dryRun: flags.dryRun ?? false,
          deleteUntagged: flags.deleteUntagged ?? defaults.deleteUntagged,
          gracePeriodMs: flags.graceMinutes !== undefined ? flags.graceMinutes * 60_000 : defaults.gracePeriodMs,
          uploadMaxIdleMs: purgeHours === undefined ? defaults.uploadMaxIdleMs : purgeHours > 0 ? purgeHours * 3_600_000 : undefined,
          group: flags.group,
          retention: flags.retention ?? true,
          onProgress: (phase, done, total, repository) => progress[phase].update(done, total, `${done}/${total} ${repository}`),
        });
        progress.retention.done();
        progress.gc.done();
        print(report, gcLines(report).join('\n'));
      }),
    );

  program
    .command('reindex')
    .description('rebuild the metadata database from the storage tree (groups, repositories, manifests, tags, blobs)')
    .action(
      run(async ({ ctx, io, print }) => {
        const reindexer = new Reindexer(await ctx.storage(), await ctx.metadata());
        let repositories = 0;
        const report = await reindexer.run((name) => io.stderr.write(`reindex: ${++repositories} ${name}\n`));
        print(
          report,
          [
            `reindexed ${report.groups} groups, ${report.repositories} repositories, ${report.manifests} manifests, ${report.tags} tags, ${report.blobs} blobs`,
            ...report.skipped.map((entry) => `  skipped ${entry.path}: ${entry.reason}`),
          ].join('\n'),
        );
        return report.skipped.length > 0 ? 1 : 0;
      }),
    );

  program
    .command('verify')
    .description('check that every manifest, tag file and referenced blob exists on storage and hashes to its digest')
    .option('--group <group>', 'only this group')
    .action(
      run(async ({ ctx, io, print }, flags: { group?: string }) => {
        const verifier = new Verifier(await ctx.storage(), await ctx.metadata());
        const progress = new Progress(io, 'verify');
        const report = await verifier.run({
          group: flags.group,
          onProgress: (state) =>
            progress.update(state.doneBytes, state.totalBytes, `${state.doneFiles}/${state.totalFiles} files, ${formatBytes(state.doneBytes)}/${formatBytes(state.totalBytes)}`),
        });
        progress.done();
        print(
          { ok: report.problems.length === 0, ...report },
          [
            `verified ${report.repositories} repositories: ${report.manifests} manifests, ${report.tags} tags, ${report.blobs} blobs, ${formatBytes(report.bytes)} hashed`,
            report.problems.length === 0 ? 'no problems' : `${report.problems.length} problems:`,
            ...report.problems.map((problem) => `  ${problem.problem.padEnd(15)} ${problem.kind.padEnd(8)} ${problem.path}: ${problem.detail}`),
          ].join('\n'),
        );
        return report.problems.length > 0 ? 1 : 0;
      }),
    );

  const retention = program.command('retention').description('retention policies: which tags garbage collection keeps');

  retention
    .command('set')
    .description('create or replace the policy of a group (team) or repository (team/app); a repository policy wins over its group')
    .argument('<target>')
    .option('--keep-last <n>', 'keep the N most recently pushed tags (protected tags not counted)', wholeNumber)
    .option('--keep-days <d>', 'keep tags pushed within D days', wholeNumber)
    .option('--protect <patterns...>', 'tag globs never deleted, e.g. latest "v*"')
    .action(
      run(async ({ ctx, print }, target: string, flags: { keepLast?: number; keepDays?: number; protect?: string[] }) => {
        try {
          const policy = await (await ctx.maintenance()).retention.setPolicy({
            target,
            keepLast: flags.keepLast ?? null,
            keepDays: flags.keepDays ?? null,
            protectedTags: (flags.protect ?? []).flatMap((pattern) => pattern.split(',')),
          });
          print(policyView(policy), `retention policy for ${policy.target} saved: ${describePolicy(policy)}`);
        } catch (error) {
          if (error instanceof RetentionPolicyError) throw new CliError(error.message, 2);
          throw error;
        }
      }),
    );

  retention
    .command('list')
    .description('list retention policies')
    .action(
      run(async ({ ctx, print }) => {
        const policies = (await (await ctx.maintenance()).retention.policies()).map(policyView);
        print(
          policies,
          policies.length === 0
            ? 'no retention policies: every tag is kept'
            : table(
                ['TARGET', 'KEEP LAST', 'KEEP DAYS', 'PROTECTED'],
                policies.map((policy) => [policy.target, policy.keepLast ?? '-', policy.keepDays ?? '-', policy.protectedTags.join(' ') || '-']),
              ),
        );
      }),
    );

  retention
    .command('remove')
    .description('remove the policy of a group or repository')
    .argument('<target>')
    .action(
      run(async ({ ctx, print }, target: string) => {
        if (!(await (await ctx.maintenance()).retention.removePolicy(target))) throw new CliError(`no retention policy for ${target}`);
        print({ removed: target }, `retention policy for ${target} removed`);
      }),
    );

  retention
    .command('apply')
    .description('delete the tags the policies do not keep (and manifests left without a tag); `refity gc` then reclaims their blobs')
    .option('--dry-run', 'report what would be deleted; delete nothing')
    .option('--group <group>', 'only this group')
    .option('--grace-minutes <n>', 'never delete a tag pushed more recently (default GC_GRACE_MINUTES, 60)', wholeNumber)
    .action(
      run(async ({ ctx, io, print }, flags: { dryRun?: boolean; group?: string; graceMinutes?: number }) => {
        const progress = new Progress(io, 'retention');
        const report = await (await ctx.maintenance()).retention.apply({
          dryRun: flags.dryRun ?? false,
          group: flags.group,
          gracePeriodMs: flags.graceMinutes !== undefined ? flags.graceMinutes * 60_000 : ctx.config.gc.gracePeriodMs,
          onProgress: (done, total, repository) => progress.update(done, total, `${done}/${total} ${repository}`),
        });
        progress.done();
        const lines = retentionLines(report);
        if (report.deletedManifests.length > 0 && !report.dryRun) lines.push('run `refity gc` to reclaim the blobs they held');
        if (report.dryRun) lines.push('(dry run: nothing was deleted)');
        print(report, lines.join('\n'));
      }),
    );
}

function describePolicy(policy: RetentionPolicy): string {
  const rules = [
    policy.keepLast !== null ? `keep the last ${policy.keepLast} tags` : null,
    policy.keepDays !== null ? `keep tags younger than ${policy.keepDays} days` : null,
    policy.protectedTags.length ? `never delete ${policy.protectedTags.join(', ')}` : null,
  ].filter(Boolean);
  return rules.join('; ');
}
