import { Inject, Injectable } from '@nestjs/common';
import { RegistryPrincipal } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { AuditActorType, AuditRecord, AuditStore } from '@refity/metadata';
import type { Request } from 'express';
import { CONFIG } from '../tokens';

const MAX_SAMPLED_KEYS = 50_000;

/** The client address as Express sees it: the socket's, or X-Forwarded-For's only with TRUST_PROXY. */
export function clientAddress(request: Request): string | null {
  return request.ip ?? request.socket?.remoteAddress ?? null;
}

export function actorOf(principal: RegistryPrincipal): { actorType: AuditActorType; actor: string | null } {
  return { actorType: principal.kind, actor: principal.name };
}

/**
 * What the registry writes to the audit log: logins and tokens (token endpoint, Basic on /v2),
 * pushes, deletes, and manifest pulls per AUDIT_PULLS (`sampled`: the first pull of a digest per
 * actor and address within AUDIT_PULL_WINDOW).
 */
@Injectable()
export class RegistryAudit {
  private readonly pulls = new Map<string, number>();

  constructor(
    private readonly store: AuditStore,
    @Inject(CONFIG) private readonly config: RefityConfig,
  ) {}

  record(request: Request, principal: RegistryPrincipal, entry: Omit<AuditRecord, 'actorType' | 'actor' | 'clientAddress'>): void {
    this.store.record({ ...actorOf(principal), clientAddress: clientAddress(request), ...entry });
  }

  /** A failed login: the actor is the name that was tried. */
  loginFailed(request: Request, attempted: string, detail: Record<string, unknown>): void {
    const actorType: AuditActorType = attempted.startsWith('robot$') ? 'robot' : 'user';
    this.store.record({ action: 'login.failed', actorType, actor: attempted || null, clientAddress: clientAddress(request), detail });
  }

  push(request: Request, principal: RegistryPrincipal, repository: string, reference: string, digest: string): void {
    const tag = reference.includes(':') ? null : reference;
    this.record(request, principal, { action: 'push', repository, tag, digest });
  }

  delete(request: Request, principal: RegistryPrincipal, repository: string, what: 'manifest' | 'blob', reference: string): void {
    const byDigest = reference.includes(':');
    this.record(request, principal, { action: 'delete', repository, tag: byDigest ? null : reference, digest: byDigest ? reference : null, detail: { what } });
  }

  pull(request: Request, principal: RegistryPrincipal, repository: string, reference: string, digest: string): void {
    const mode = this.config.audit.pulls;
    if (mode === 'none') return;
    if (mode === 'sampled') {
      const now = Date.now();
      const key = `${principal.kind}:${principal.name ?? ''}|${clientAddress(request) ?? ''}|${repository}|${digest}`;
      const last = this.pulls.get(key);
      if (last !== undefined && now - last < this.config.audit.pullWindowMs) return;
      if (this.pulls.size >= MAX_SAMPLED_KEYS) this.pulls.clear();
      this.pulls.set(key, now);
    }
    const tag = reference.includes(':') ? null : reference;
    this.record(request, principal, { action: 'pull', repository, tag, digest });
  }
}
