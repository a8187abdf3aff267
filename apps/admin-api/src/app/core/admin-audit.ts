import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { AuthenticatedUser } from '@refity/auth';
import { AuditRecord, AuditStore } from '@refity/metadata';
import type { Request } from 'express';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';

const currentRequest = new AsyncLocalStorage<Request>();

/** Runs every route handler with its request reachable by AdminAudit (actor and client address). */
@Injectable()
export class AuditContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    return new Observable((subscriber) => currentRequest.run(request, () => next.handle().subscribe(subscriber)));
  }
}

export type AdminAuditRecord = Omit<AuditRecord, 'actorType' | 'actor' | 'clientAddress'> & Partial<Pick<AuditRecord, 'actorType' | 'actor'>>;

/**
 * Audit entries of the admin API: the actor is the logged-in account (or the one given, e.g. the
 * name a failed login tried), the client address is `req.ip` (X-Forwarded-For only with TRUST_PROXY).
 */
@Injectable()
export class AdminAudit {
  constructor(private readonly store: AuditStore) {}

  record(entry: AdminAuditRecord): void {
    const request = currentRequest.getStore();
    const user = (request as (Request & { user?: AuthenticatedUser }) | undefined)?.user;
    const { actorType, actor, ...event } = entry;
    this.store.record({
      ...event,
      actorType: actorType ?? (user || actor ? 'user' : 'anonymous'),
      actor: actor ?? user?.username ?? null,
      clientAddress: request?.ip ?? null,
    });
  }
}
