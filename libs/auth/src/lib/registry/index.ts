export * from './access-policy';
export * from './credentials';
export * from './glob';
export * from './login-limiter';
export * from './registry-token';
export * from './scope';
