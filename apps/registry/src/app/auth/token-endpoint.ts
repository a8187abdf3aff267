import { Inject, Injectable } from '@nestjs/common';
import { accessEntry, AccessEntry, ANONYMOUS, parseScopes, RegistryPrincipal, RegistryTokenError, RegistryTokenService } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { OciError } from '@refity/registry-core';
import type { Request, Response } from 'express';
import { CONFIG } from '../tokens';
import { readLimitedBody, singleQuery } from '../v2/http-helpers';
import { RegistryAccess } from './registry-access';
import { RegistryAudit } from './registry-audit';

const MAX_FORM_BYTES = 64 * 1024;

function all(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

/**
 * The token endpoint (`<realm>` = /v2/token) of Docker token authentication:
 * - `GET` with optional HTTP Basic credentials (user password, personal access token, or
 *   `robot$<name>` and its secret); none = anonymous (public groups only). Query: `service`,
 *   `scope` (repeatable), `account`.
 * - `POST` the OAuth2 form containerd and docker (with an identity token) use:
 *   `grant_type=password` (`username`, `password`) or `grant_type=refresh_token`
 *   (`refresh_token`), `scope` space-separated, `access_type=offline` for a refresh token.
 * Answers `{ token, access_token, expires_in, issued_at }`; the access claim holds, per requested
 * scope, only the actions the caller is allowed.
 */
@Injectable()
export class TokenEndpoint {
  constructor(
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly tokens: RegistryTokenService,
    private readonly access: RegistryAccess,
    private readonly audit: RegistryAudit,
  ) {}

  async get(request: Request, response: Response): Promise<void> {
    this.checkService(singleQuery(request.query['service']));
    const scopes = all(request.query['scope']);
    const basic = this.basicCredentials(request);
    const principal = basic ? await this.access.login(request, basic.username, basic.password, 'token', true) : ANONYMOUS;
    await this.answer(request, response, principal, scopes, 'token', false);
  }

  async post(request: Request, response: Response): Promise<void> {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      request.resume();
      throw new OciError(400, 'UNSUPPORTED', 'POST /v2/token takes an application/x-www-form-urlencoded OAuth2 form');
    }
    const form = new URLSearchParams((await readLimitedBody(request, MAX_FORM_BYTES)).toString('utf8'));
    this.checkService(form.get('service') ?? undefined);
    const scopes = form.getAll('scope');
    const offline = form.get('access_type') === 'offline';
    const grant = form.get('grant_type');
    if (grant === 'password') {
      const username = form.get('username');
      const password = form.get('password');
      if (!username || password === null) throw new OciError(400, 'UNSUPPORTED', 'grant_type=password needs username and password');
      const principal = await this.access.login(request, username, password, 'oauth', true);
      return this.answer(request, response, principal, scopes, 'oauth', offline);
    }
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      let principal: RegistryPrincipal;
      try {
        principal = this.tokens.verifyRefresh(refresh).principal;
      } catch (error) {
        if (!(error instanceof RegistryTokenError)) throw error;
        this.audit.loginFailed(request, '', { via: 'refresh', problem: error.reason });
        throw new OciError(401, 'UNAUTHORIZED', error.reason === 'expired' ? 'refresh token expired; log in again' : 'invalid refresh token');
      }
      // Revoked accounts, robots and personal tokens lose their refresh tokens at once.
      principal = await this.access.currentNow(principal);
      return this.answer(request, response, principal, scopes, 'refresh', offline);
    }
    throw new OciError(400, 'UNSUPPORTED', `unsupported grant_type "${grant ?? ''}"; use password or refresh_token`);
  }

  private checkService(service: string | undefined): void {
    if (service !== undefined && service !== this.config.registryAuth.service) {
      throw new OciError(400, 'UNSUPPORTED', `unknown service "${service}"; this registry is "${this.config.registryAuth.service}"`);
    }
  }

  private basicCredentials(request: Request): { username: string; password: string } | null {
    const header = request.headers.authorization ?? '';
    const match = /^basic\s+(.+)$/i.exec(header.trim());
    if (!match) return null;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OciError(401, 'UNAUTHORIZED', 'malformed Basic credentials');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }

  private async answer(request: Request, response: Response, principal: RegistryPrincipal, requested: string[], via: string, offline: boolean): Promise<void> {
    const scopes = parseScopes(requested);
    const policy = await this.access.freshPolicyFor(principal);
    const access: AccessEntry[] = [];
    for (const scope of scopes) {
      const actions = policy.grantedActions(scope);
      if (actions.length > 0) access.push(accessEntry(scope, actions));
    }
    const issued = this.tokens.issueAccess(principal, access);
    const body: Record<string, unknown> = {
      token: issued.token,
      access_token: issued.token,
      expires_in: issued.expiresIn,
      issued_at: issued.issuedAt.toISOString(),
    };
    if (offline && principal.kind !== 'anonymous') body['refresh_token'] = this.tokens.issueRefresh(principal).token;
    if (principal.kind !== 'anonymous') {
      this.audit.record(request, principal, {
        action: 'token.issued',
        repository: scopes.length === 1 && scopes[0].type === 'repository' ? scopes[0].name : null,
        detail: { via, requested: scopes.map((scope) => `${scope.type}:${scope.name}:${scope.actions.join(',')}`), granted: access.map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(',')}`) },
      });
    }
    const json = JSON.stringify(body);
    response.status(200);
    response.setHeader('Content-Type', 'application/json');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('Content-Length', Buffer.byteLength(json));
    response.end(json);
  }
}
