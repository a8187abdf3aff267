import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { JwtAuthGuard, JwtStrategy, PendingPasswordChangeGuard, RoleGuard, TokenService } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import type { Request } from 'express';
import { CONFIG } from '../core/tokens';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';

// The defaults of LOGIN_LIMIT_PER_ADDRESS / LOGIN_LIMIT_PER_ACCOUNT / LOGIN_LIMIT_WINDOW, which the
// registry's token endpoint shares (libs/config access-config.ts).
export const LOGIN_LIMIT_PER_ADDRESS = 30;
export const LOGIN_LIMIT_PER_ACCOUNT = 10;

@Module({
  imports: [
    PassportModule,
    // Login only (the guard is on that route): per client address (req.ip honours X-Forwarded-For
    // only with TRUST_PROXY) and per account name, whatever address it comes from.
    ThrottlerModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: RefityConfig) => ({
        throttlers: [
          {
            name: 'login-per-address',
            ttl: config.loginLimits.windowMs,
            limit: config.loginLimits.perAddress,
            getTracker: (request: Record<string, unknown>) => String((request as unknown as Request).ip),
          },
          {
            name: 'login-per-account',
            ttl: config.loginLimits.windowMs,
            limit: config.loginLimits.perAccount,
            getTracker: (request: Record<string, unknown>) => String((request as unknown as Request).body?.username ?? '').trim().toLowerCase(),
          },
        ],
        errorMessage: 'too many login attempts; wait a minute and try again',
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenService,
    JwtStrategy,
    // Order matters: authenticate, then the pending-password-change gate, then roles.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: PendingPasswordChangeGuard },
    { provide: APP_GUARD, useClass: RoleGuard },
  ],
})
export class AuthModule {}
