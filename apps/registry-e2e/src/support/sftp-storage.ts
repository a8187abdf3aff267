import { startSshd, SshdServer } from '@refity/testing';

export interface SftpStorage {
  sshd: SshdServer;
  /** FTP_* variables pointing the registry at the throwaway sshd (password auth, host key checked). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** A throwaway OpenSSH sshd for the registry's storage, as in production: every byte lands on SFTP. */
export async function startSftpStorage(): Promise<SftpStorage> {
  const sshd = await startSshd();
  return { sshd, env: sftpEnv(sshd), stop: () => sshd.stop() };
}

/** FTP_* variables pointing the registry at `sshd` (password auth, host key checked). */
export function sftpEnv(sshd: SshdServer): Record<string, string> {
  return {
    FTP_HOST: sshd.host,
    FTP_PORT: String(sshd.port),
    FTP_USERNAME: sshd.username,
    FTP_PASSWORD: sshd.password,
    FTP_KNOWN_HOSTS: sshd.knownHostsPath,
  };
}
