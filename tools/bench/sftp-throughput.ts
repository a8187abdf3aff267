/**
 * SFTP throughput: SftpStorageDriver against the OpenSSH `sftp` client, same throwaway sshd, same
 * bytes, in one run. Not a test: it prints MiB/s (median and best of the runs), the
 * driver/OpenSSH ratios and the peak RSS of this process.
 *
 * Needs root, openssh-server and openssh-client (like the storage-sftp tests). From the repo root:
 *
 *   node tools/bench/run.cjs sftp-throughput [--mib 1024] [--runs 3]
 *
 * Each transfer opens its own connection (the driver: a new driver per transfer), so both sides
 * pay for the handshake. The driver writes from a generated stream and reads into sha256 without
 * holding the blob; `sftp` puts/gets a local file with the same bytes. OpenSSH runs twice per
 * round: with its default cipher and with aes128-gcm@openssh.com, the one ssh2 negotiates.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SftpStorageDriver } from '@refity/storage-sftp';
import { SshdServer, startSshd } from '@refity/testing';

const MiB = 1024 * 1024;
const DRIVER_CIPHER = 'aes128-gcm@openssh.com';

function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

/** Deterministic pseudo-random bytes in 1 MiB chunks (cheap to produce, incompressible). */
function generatedBytes(total: number): Readable {
  let produced = 0;
  let block = createHash('sha512').update('refity-bench').digest();
  return new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      const chunk = Buffer.allocUnsafe(Math.min(MiB, total - produced));
      // Doubling copies: a 64-byte copy per step would cost the put side ~1 s of CPU per GiB.
      block.copy(chunk, 0);
      for (let filled = block.length; filled < chunk.length; filled *= 2) chunk.copyWithin(filled, 0, filled);
      chunk.writeUInt32BE(produced / MiB, 0);
      block = createHash('sha512').update(block).digest();
      produced += chunk.length;
      this.push(chunk);
    },
  });
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function openSshSftp(server: SshdServer, command: string, cipher?: string): Promise<void> {
  const args = ['-q', '-b', '-', '-P', String(server.port), '-i', server.privateKeyPath];
  for (const option of ['BatchMode=yes', 'StrictHostKeyChecking=yes', `UserKnownHostsFile=${server.knownHostsPath}`]) args.push('-o', option);
  if (cipher) args.push('-c', cipher);
  args.push(`${server.username}@${server.host}`);
  return new Promise((resolve, reject) => {
    const child = spawn('sftp', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sftp "${command}" exited ${code}: ${stderr}`))));
    child.stdin.end(`${command}\n`);
  });
}

function newDriver(server: SshdServer): SftpStorageDriver {
  return new SftpStorageDriver({
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: server.privateKey,
    knownHostsPath: server.knownHostsPath,
    root: 'bench',
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const bytes = numberArgument('mib', 1024) * MiB;
  const runs = numberArgument('runs', 3);
  const server = await startSshd();
  const workDir = await fs.mkdtemp(join(tmpdir(), 'refity-bench-'));
  const localFile = join(workDir, 'source.bin');
  const downloaded = join(workDir, 'downloaded.bin');
  const seconds: Record<string, number[]> = {};
  const record = (name: string, value: number) => (seconds[name] ??= []).push(value);
  try {
    await pipeline(generatedBytes(bytes), createWriteStream(localFile));
    const expected = await sha256Of(generatedBytes(bytes));
    const openSshVariants = [
      { label: 'OpenSSH sftp (default cipher)', cipher: undefined },
      { label: `OpenSSH sftp (${DRIVER_CIPHER})`, cipher: DRIVER_CIPHER },
    ];
    for (let run = 1; run <= runs; run++) {
      for (const { label, cipher } of openSshVariants) {
        record(`${label} put`, await timed(() => openSshSftp(server, `put ${localFile} openssh.bin`, cipher)));
        record(`${label} get`, await timed(() => openSshSftp(server, `get openssh.bin ${downloaded}`, cipher)));
        await fs.rm(downloaded);
      }
      record('SftpStorageDriver put', await timed(async () => {
        const driver = newDriver(server);
        const writer = await driver.createWriter('driver.bin');
        await pipeline(generatedBytes(bytes), writer.stream);
        await writer.commit();
        await driver.close();
      }));
      let digest = '';
      record('SftpStorageDriver get', await timed(async () => {
        const driver = newDriver(server);
        digest = await sha256Of(await driver.createReadStream('driver.bin'));
        await driver.close();
      }));
      if (digest !== expected) throw new Error(`driver read back sha256 ${digest}, expected ${expected}`);
    }
    const onServer = await sha256Of(createReadStream(join(server.sftpRoot, 'bench', 'driver.bin')));
    if (onServer !== expected) throw new Error('the file the driver wrote differs from the source');

    // The best run shows what each side can do when nothing else competes for the CPU.
    const rate = (name: string, pick: (values: number[]) => number) => bytes / MiB / pick(seconds[name]);
    const best = (values: number[]) => Math.min(...values);
    const cell = (value: number) => value.toFixed(1).padStart(7);
    console.log(`${bytes / MiB} MiB per transfer, ${runs} runs, node ${process.version}, load average ${loadavg()[0].toFixed(2)}`);
    console.log(`  ${'MiB/s'.padEnd(44)}  median     best  (seconds per run)`);
    for (const name of Object.keys(seconds)) {
      const runTimes = seconds[name].map((s) => s.toFixed(2)).join(' / ');
      console.log(`  ${name.padEnd(44)} ${cell(rate(name, median))}  ${cell(rate(name, best))}  (${runTimes})`);
    }
    for (const direction of ['put', 'get']) {
      for (const { label } of openSshVariants) {
        const ratio = (pick: (values: number[]) => number) =>
          ((rate(`SftpStorageDriver ${direction}`, pick) / rate(`${label} ${direction}`, pick)) * 100).toFixed(0);
        console.log(`  driver / ${label} ${direction}: ${ratio(median)}% of median, ${ratio(best)}% of best`);
      }
    }
    console.log(`  peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
