export * from './lib/access.decorators';
export * from './lib/access.guards';
export * from './lib/auth-user';
export * from './lib/jwt.strategy';
export * from './lib/password-hasher';
export * from './lib/password-policy';
export * from './lib/token.service';
